"""EC2 capacity of the Ethereum network: a launch template and an Auto Scaling group.

Nested by `ethereum-ecs` (container instances that join its ECS cluster, on the
ECS-optimized AMI) and by `ethereum-docker-local` (one Amazon Linux 2023
instance that runs the whole network in Docker). The parent chooses the AMI by
passing the path of AWS's public SSM parameter, and hands over what the
instances run at boot as two parameters: `BootEnvironment` (shell variable
assignments) and `BootScript` (the script that reads them), each within
CloudFormation's 4,096-byte limit for a parameter value.

The group is created only when every instance has signalled that its boot
script succeeded (`cfn-signal`); a later change of the launch template replaces
the instances one at a time, again waiting for each signal. Instances require
IMDSv2 with a hop limit of 1, so containers on them cannot read the instance's
credentials, and have an encrypted root volume. Deploy it alone to get a
fixed-size group of instances that run your own script.
"""

from troposphere import (
    GetAtt,
    Output,
    Parameter,
    Ref,
    Sub,
    Template,
)
from troposphere.autoscaling import AutoScalingGroup, LaunchTemplateSpecification, Tag
from troposphere.policies import (
    AutoScalingCreationPolicy,
    AutoScalingRollingUpdate,
    CreationPolicy,
    ResourceSignal,
    UpdatePolicy,
)

from cfn_catalog.blocks.ec2 import (
    AMAZON_LINUX_2023_X86,
    OPTIONAL_KEY_PAIR_PATTERN,
    ami_parameter,
    launch_template,
    optional_key_name,
)
from cfn_catalog.blocks.ethereum import INSTANCE_TYPES
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

SIGNAL_TIMEOUT = "PT30M"
USER_DATA = """#!/bin/bash
# ethereum-autoscalegroup: join the ECS cluster when one is named, run the parent's boot script,
# then tell CloudFormation whether it all succeeded.
exec > >(tee -a /var/log/ethereum-boot.log) 2>&1
[ -x /opt/aws/bin/cfn-signal ] || dnf install -y -q aws-cfn-bootstrap
(
set -euo pipefail
if [ -n "${ECSClusterName}" ]; then
  cat >> /etc/ecs/ecs.config <<EOF
ECS_CLUSTER=${ECSClusterName}
ECS_AWSVPC_BLOCK_IMDS=true
EOF
fi
${BootEnvironment}
${BootScript}
)
/opt/aws/bin/cfn-signal -e $? --stack ${AWS::StackName} --resource AutoScalingGroup --region ${AWS::Region}
"""


@register
def build() -> Template:
    t = Template(
        Description="EC2 capacity of the Ethereum network: launch template (IMDSv2, encrypted root volume) and "
        "Auto Scaling group that waits for each instance's cfn-signal"
    )
    name = t.add_parameter(
        Parameter(
            "InstanceName",
            Type="String",
            AllowedPattern=r"^[\w .:/=+@-]{1,128}$",
            ConstraintDescription="1 to 128 letters, digits, spaces and _.:/=+-@",
            Description="Name tag of the instances and their volumes",
        )
    )
    image = ami_parameter(t, "ImageId", default=AMAZON_LINUX_2023_X86)
    image.Description = (
        "Public SSM parameter of the AMI: the ECS-optimized Amazon Linux 2023 for ECS, plain Amazon Linux 2023 "
        "otherwise (x86_64)"
    )
    instance_type = t.add_parameter(
        Parameter(
            "InstanceType",
            Type="String",
            Default="t3.large",
            AllowedValues=INSTANCE_TYPES,
            Description="Instance type",
        )
    )
    capacity = t.add_parameter(
        Parameter(
            "DesiredCapacity",
            Type="Number",
            Default=1,
            MinValue=1,
            MaxValue=20,
            Description="Number of instances (the group keeps exactly this many)",
        )
    )
    subnets = t.add_parameter(
        Parameter("SubnetIds", Type="List<AWS::EC2::Subnet::Id>", Description="Subnets to spread the instances over")
    )
    security_group = t.add_parameter(
        Parameter("SecurityGroupId", Type="AWS::EC2::SecurityGroup::Id", Description="Security group of the instances")
    )
    profile = t.add_parameter(
        Parameter(
            "InstanceProfileArn",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:iam::\d{12}:instance-profile/[\w+=,.@/-]+$",
            ConstraintDescription="an instance profile ARN",
            Description="Instance profile of the instances; include AmazonSSMManagedInstanceCore for Session "
            "Manager access",
        )
    )
    key = t.add_parameter(
        Parameter(
            "KeyPairName",
            Type="String",
            Default="",
            AllowedPattern=OPTIONAL_KEY_PAIR_PATTERN,
            ConstraintDescription="a key pair name, or empty",
            Description="Optional key pair for SSH; leave empty and connect with Session Manager",
        )
    )
    cluster = t.add_parameter(
        Parameter(
            "ECSClusterName",
            Type="String",
            Default="",
            AllowedPattern=r"^[A-Za-z0-9_-]{0,255}$",
            ConstraintDescription="an ECS cluster name, or empty",
            Description="ECS cluster the instances join through /etc/ecs/ecs.config; empty for none",
        )
    )
    environment = t.add_parameter(
        Parameter(
            "BootEnvironment",
            Type="String",
            Default="",
            MaxLength=4096,
            Description="Shell variable assignments run before BootScript",
        )
    )
    script = t.add_parameter(
        Parameter(
            "BootScript",
            Type="String",
            Default="",
            MaxLength=4096,
            Description="Bash run as root at first boot (after BootEnvironment, with set -euo pipefail); "
            "the instance signals failure when it fails",
        )
    )
    interface(
        t,
        [
            ("Instances", [name, image, instance_type, capacity, key]),
            ("Network and access", [subnets, security_group, profile]),
            ("Boot", [cluster, environment, script]),
        ],
        labels={
            "InstanceName": "Name tag",
            "ImageId": "AMI (SSM parameter path)",
            "InstanceType": "Instance type",
            "DesiredCapacity": "Instances",
            "KeyPairName": "Key pair (optional)",
            "SubnetIds": "Subnets",
            "SecurityGroupId": "Security group",
            "InstanceProfileArn": "Instance profile ARN",
            "ECSClusterName": "ECS cluster (optional)",
            "BootEnvironment": "Boot environment",
            "BootScript": "Boot script",
        },
    )
    key_name = optional_key_name(t, key)

    template = launch_template(
        t,
        "LaunchTemplate",
        image_id=Ref(image),
        instance_type=Ref(instance_type),
        instance_profile=Ref(profile),
        security_group_ids=[Ref(security_group)],
        user_data=Sub(USER_DATA),
        key_name=key_name,
        name_tag=Ref(name),
        # bridge-mode containers cannot reach the instance metadata, so they cannot take the
        # instance role; awsvpc tasks are cut off by ECS_AWSVPC_BLOCK_IMDS
        metadata_hop_limit=1,
    )
    t.add_resource(
        AutoScalingGroup(
            "AutoScalingGroup",
            LaunchTemplate=LaunchTemplateSpecification(
                LaunchTemplateId=Ref(template), Version=GetAtt(template, "LatestVersionNumber")
            ),
            MinSize=Ref(capacity),
            MaxSize=Ref(capacity),
            DesiredCapacity=Ref(capacity),
            VPCZoneIdentifier=Ref(subnets),
            HealthCheckType="EC2",
            Tags=[Tag("Name", Ref(name), True)],
            CreationPolicy=CreationPolicy(
                AutoScalingCreationPolicy=AutoScalingCreationPolicy(MinSuccessfulInstancesPercent=100),
                ResourceSignal=ResourceSignal(Count=Ref(capacity), Timeout=SIGNAL_TIMEOUT),
            ),
            UpdatePolicy=UpdatePolicy(
                AutoScalingRollingUpdate=AutoScalingRollingUpdate(
                    MinInstancesInService=0,
                    MaxBatchSize=1,
                    PauseTime=SIGNAL_TIMEOUT,
                    WaitOnResourceSignals=True,
                )
            ),
        )
    )
    t.add_output(
        Output("AutoScalingGroupName", Description="Name of the Auto Scaling group", Value=Ref("AutoScalingGroup"))
    )
    t.add_output(Output("LaunchTemplateId", Description="Id of the launch template", Value=Ref(template)))
    return t
