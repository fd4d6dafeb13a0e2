"""EC2 instances the catalog's way: SSM access instead of SSH, IMDSv2 only,
encrypted gp3 volumes, AMIs from AWS's public SSM parameters."""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import Statement
from troposphere import Base64, Equals, GetAtt, If, Not, Parameter, Ref, Tags, Template
from troposphere.ec2 import (
    EBSBlockDevice,
    IamInstanceProfile,
    LaunchTemplate,
    LaunchTemplateBlockDeviceMapping,
    LaunchTemplateData,
    MetadataOptions,
    Monitoring,
    TagSpecifications,
)
from troposphere.iam import InstanceProfile, Role

from cfn_catalog.blocks.iam import managed_policy_arn, service_role

AMAZON_LINUX_2023_X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
AMAZON_LINUX_2023_ARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
ECS_OPTIMIZED_AL2023_X86 = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
WINDOWS_2022_BASE = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"


OPTIONAL_KEY_PAIR_PATTERN = r"^[\x20-\x7E]{0,255}$"  # a key pair name, or empty for none


def optional_key_name(t: Template, parameter: object) -> If:
    """The KeyName for an optional key-pair parameter (empty = no key: Session Manager only).

    Adds the `HasKeyPair` condition; pass the result as `launch_template(key_name=...)`.
    """
    t.add_condition("HasKeyPair", Not(Equals(Ref(parameter), "")))
    return key_name_value(parameter)


def key_name_value(parameter: object) -> If:
    """The KeyName value under the `HasKeyPair` condition `optional_key_name` added."""
    return If("HasKeyPair", Ref(parameter), Ref("AWS::NoValue"))


def ami_parameter(t: Template, name: str = "LatestAmiId", *, default: str = AMAZON_LINUX_2023_X86) -> Parameter:
    """An AMI id resolved at deploy time from a public SSM parameter path."""
    return t.add_parameter(
        Parameter(
            name,
            Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            Default=default,
            Description="SSM parameter path of the AMI to use (resolved at deploy time)",
        )
    )


def ssm_instance_role(
    t: Template,
    name: str,
    *,
    statements: Sequence[Statement] = (),
    managed_policy_arns: Sequence[object] = (),
) -> tuple[Role, InstanceProfile]:
    """An instance role reachable through SSM Session Manager, and its profile."""
    role = service_role(
        t,
        f"{name}Role",
        service="ec2.amazonaws.com",
        statements=statements,
        managed_policy_arns=[managed_policy_arn("AmazonSSMManagedInstanceCore"), *managed_policy_arns],
        description="Instance role: Session Manager access instead of SSH/RDP",
    )
    profile = t.add_resource(InstanceProfile(f"{name}InstanceProfile", Roles=[Ref(role)]))
    return role, profile


def block_device(device: str = "/dev/xvda", size: object = 30) -> LaunchTemplateBlockDeviceMapping:
    """An encrypted gp3 root volume deleted with the instance."""
    return LaunchTemplateBlockDeviceMapping(
        DeviceName=device,
        Ebs=EBSBlockDevice(VolumeType="gp3", VolumeSize=size, Encrypted=True, DeleteOnTermination=True),
    )


def launch_template(
    t: Template,
    name: str,
    *,
    image_id: object,
    instance_type: object,
    instance_profile: object = None,
    security_group_ids: Sequence[object] | object = (),
    user_data: object = None,
    volume_size: object = 30,
    root_device: str = "/dev/xvda",
    key_name: object = None,
    name_tag: object = None,
    network_interfaces: Sequence[object] | None = None,
    metadata_hop_limit: int = 1,
) -> LaunchTemplate:
    """A launch template with IMDSv2 required and an encrypted root volume.

    `instance_profile` is an InstanceProfile resource (its ARN is used) or an
    ARN; `user_data` is plain text (it is base64-encoded here).
    The instance metadata answers one network hop (`metadata_hop_limit=1`):
    processes on the instance reach it, containers on bridge networks do not
    (so they cannot take the instance role). Only a host whose containers must
    use the instance role passes 2, explicitly; ECS tasks get their own
    credentials from the agent and need no more than 1.
    """
    if metadata_hop_limit not in (1, 2):
        raise ValueError(f"{name}: metadata_hop_limit is 1 (no containers reach it) or 2, not {metadata_hop_limit}")
    data: dict = {
        "ImageId": image_id,
        "InstanceType": instance_type,
        "MetadataOptions": MetadataOptions(
            HttpTokens="required", HttpEndpoint="enabled", HttpPutResponseHopLimit=metadata_hop_limit
        ),
        "BlockDeviceMappings": [block_device(root_device, volume_size)],
        "Monitoring": Monitoring(Enabled=True),
        "EbsOptimized": True,
    }
    if instance_profile is not None:
        arn = GetAtt(instance_profile, "Arn") if isinstance(instance_profile, InstanceProfile) else instance_profile
        data["IamInstanceProfile"] = IamInstanceProfile(Arn=arn)
    if network_interfaces is not None:
        data["NetworkInterfaces"] = list(network_interfaces)
    elif security_group_ids:
        data["SecurityGroupIds"] = security_group_ids
    if user_data is not None:
        data["UserData"] = Base64(user_data)
    if key_name is not None:
        data["KeyName"] = key_name
    if name_tag is not None:
        data["TagSpecifications"] = [
            TagSpecifications(ResourceType=kind, Tags=Tags(Name=name_tag)) for kind in ("instance", "volume")
        ]
    return t.add_resource(LaunchTemplate(name, LaunchTemplateData=LaunchTemplateData(**data)))
