"""A three-organization Hyperledger Fabric network and Hyperledger Explorer on one EC2 instance.

Nested by `hyperledger-fabric`; deployable alone. At first boot the instance
(Amazon Linux 2023, public IP, IMDSv2 only, encrypted volume) installs Docker
and the pinned Fabric and Fabric CA releases, checks that every image and
binary the network needs is there at those versions (and the fabric-samples
commit is the one asked for), and fails the stack naming what is missing
otherwise; then it starts the fabric-samples test network renamed
to `RootDomain` and the three organization sub-domains (an orderer, Org1 and
Org2 on `ChannelName`, then Org3 joined to the channel), and Hyperledger
Explorer on port 8080 connected as the Org1 admin. The stack completes only
when the Explorer answers (`cfn-signal`).

The Explorer's login is `exploreradmin` with a password generated in Secrets
Manager (output `ExplorerAdminSecretArn`). Explorer speaks plain HTTP: allow
port 8080 in `EC2SecurityGroup` from your own address only, or use Session
Manager port forwarding and open nothing. Without `EC2InstanceProfileArn` the
stack creates an instance profile allowed Session Manager and reading that one
secret; with a profile of your own that cannot read it, the boot keeps a
random password in /root/explorer-admin-password instead.
"""

from awacs.aws import Allow, Statement
from awacs.secretsmanager import GetSecretValue
from troposphere import And, Equals, GetAtt, If, Not, Output, Parameter, Ref, Sub, Template
from troposphere.ec2 import Instance, LaunchTemplateSpecification, NetworkInterfaces
from troposphere.policies import CreationPolicy, ResourceSignal
from troposphere.secretsmanager import GenerateSecretString, Secret

from cfn_catalog import functions
from cfn_catalog.blocks.ec2 import (
    AMAZON_LINUX_2023_X86,
    OPTIONAL_KEY_PAIR_PATTERN,
    launch_template,
    optional_key_name,
    ssm_instance_role,
)
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.registry import register

DOCKER_COMPOSE_VERSION = "2.27.0"
# Pinned releases that exist together: Fabric 2.5 LTS with the Fabric CA its installer pairs it with.
FABRIC_VERSION = "2.5.11"
FABRIC_CA_VERSION = "1.5.15"
# hyperledger/fabric: the commit of scripts/install-fabric.sh that is run (it knows the registry of each
# release: docker.io up to Fabric 2.5.10 and CA 1.5.14, ghcr.io after).
FABRIC_INSTALLER_COMMIT = "0211a21efb5a917dca9d222eaf7407eca72f54b2"
# hyperledger/fabric-samples: a commit of its main branch (which serves Fabric 2.5 LTS and 3.x).
FABRIC_SAMPLES_COMMIT = "ebbc41993350f8a98442d16fe39a70fdbd73a07d"
SUBDOMAIN = {
    "Type": "String",
    "AllowedPattern": r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    "ConstraintDescription": "a DNS label: lowercase letters, digits and hyphens",
}
PARAMETERS: dict[str, dict] = {
    "ChannelName": {
        "Type": "String",
        "Default": "mychannel",
        "AllowedPattern": r"^[a-z][a-z0-9]{3,15}$",
        "ConstraintDescription": "4 to 16 lowercase letters and digits, starting with a letter (Fabric channel "
        "names are lowercase)",
        "Description": "Channel the three organizations join",
    },
    "RootDomain": {
        "Type": "String",
        "Default": "example.com",
        "AllowedPattern": r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        "ConstraintDescription": "a lowercase domain name such as example.com",
        "Description": "Domain of the network: the orderer is orderer.<RootDomain>",
    },
    "Org1SubDomain": {**SUBDOMAIN, "Default": "org1", "Description": "Sub-domain of organization 1 (Org1MSP)"},
    "Org2SubDomain": {**SUBDOMAIN, "Default": "org2", "Description": "Sub-domain of organization 2 (Org2MSP)"},
    "Org3SubDomain": {**SUBDOMAIN, "Default": "org3", "Description": "Sub-domain of organization 3 (Org3MSP)"},
    "FabricVersion": {
        "Type": "String",
        "Default": FABRIC_VERSION,
        "AllowedPattern": r"^2\.5\.\d{1,2}$",
        "ConstraintDescription": "a Fabric 2.5 (long-term support) release such as 2.5.11",
        "Description": "Hyperledger Fabric release (binaries and peer, orderer, ccenv and baseos images); the "
        "boot fails if any of them is missing",
    },
    "FabricCaVersion": {
        "Type": "String",
        "Default": FABRIC_CA_VERSION,
        "AllowedPattern": r"^1\.5\.\d{1,2}$",
        "ConstraintDescription": "a Fabric CA 1.5 release such as 1.5.15",
        "Description": "Hyperledger Fabric CA release (fabric-ca-client binary and fabric-ca image)",
    },
    "FabricSamplesCommit": {
        "Type": "String",
        "Default": FABRIC_SAMPLES_COMMIT,
        "AllowedPattern": r"^[0-9a-f]{40}$",
        "ConstraintDescription": "a full 40-character commit id of hyperledger/fabric-samples",
        "Description": "Commit of hyperledger/fabric-samples whose test network is started (fabric-samples has "
        "no v2.5.x tags: its main branch serves Fabric 2.5); the boot fails if it cannot be fetched",
    },
    "ExplorerVersion": {
        "Type": "String",
        "Default": "2.0.0",
        "AllowedPattern": r"^\d{1,2}\.\d{1,2}\.\d{1,2}$",
        "ConstraintDescription": "a release such as 2.0.0",
        "Description": "Hyperledger Explorer release (ghcr.io/hyperledger-labs images)",
    },
    "EC2InstanceType": {
        "Type": "String",
        "Default": "t3.large",
        "AllowedValues": ["t3.large", "t3.xlarge", "m6i.large", "m6i.xlarge", "m7i.large", "m7i.xlarge"],
        "Description": "Instance type (8 GiB of memory or more)",
    },
    "NetworkSubnetID": {
        "Type": "AWS::EC2::Subnet::Id",
        "Description": "Public subnet of the instance (it gets a public IP to download Fabric and serve Explorer)",
    },
    "EC2KeyPairName": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": OPTIONAL_KEY_PAIR_PATTERN,
        "ConstraintDescription": "a key pair name, or empty",
        "Description": "Optional key pair for SSH; leave empty and connect with Session Manager",
    },
    "EC2SecurityGroup": {
        "Type": "AWS::EC2::SecurityGroup::Id",
        "Description": "Security group of the instance: allow TCP 8080 (Explorer) from your address only, or "
        "nothing and use Session Manager port forwarding",
    },
    "EC2InstanceProfileArn": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": r"^$|^arn:aws[a-z-]*:iam::\d{12}:instance-profile/[\w+=,.@/-]+$",
        "ConstraintDescription": "an instance profile ARN, or empty",
        "Description": "Optional; empty creates a profile allowed Session Manager and reading the Explorer password",
    },
}
LABELS = {
    "ChannelName": "Channel",
    "RootDomain": "Root domain",
    "Org1SubDomain": "Organization 1 sub-domain",
    "Org2SubDomain": "Organization 2 sub-domain",
    "Org3SubDomain": "Organization 3 sub-domain",
    "FabricVersion": "Fabric release",
    "FabricCaVersion": "Fabric CA release",
    "FabricSamplesCommit": "fabric-samples commit",
    "ExplorerVersion": "Explorer release",
    "EC2InstanceType": "Instance type",
    "VPCID": "VPC",
    "NetworkSubnetID": "Subnet",
    "EC2KeyPairName": "Key pair (optional)",
    "EC2SecurityGroup": "Security group",
    "EC2InstanceProfileArn": "Instance profile ARN (optional)",
    "TemplateBucketName": "Template bucket",
    "TemplateKeyPrefix": "Template key prefix",
    "TemplateBucketRegion": "Template bucket region",
}
GROUPS = [
    (
        "Fabric",
        [
            "ChannelName",
            "RootDomain",
            "Org1SubDomain",
            "Org2SubDomain",
            "Org3SubDomain",
            "FabricVersion",
            "FabricCaVersion",
            "FabricSamplesCommit",
            "ExplorerVersion",
            "EC2InstanceType",
        ],
    ),
    ("VPC network", ["VPCID", "NetworkSubnetID"]),
    ("Security", ["EC2KeyPairName", "EC2SecurityGroup", "EC2InstanceProfileArn"]),
    ("Template location", ["TemplateBucketName", "TemplateKeyPrefix", "TemplateBucketRegion"]),
]
OUTPUTS = {
    "ExplorerURL": "Hyperledger Explorer (login exploreradmin)",
    "ExplorerAdminSecretArn": "Secret holding the Explorer password of exploreradmin",
    "DevDesktopInstanceId": "Instance running the network (connect with Session Manager)",
    "DevDesktopInstancePrivateDnsName": "Private DNS name of the instance",
    "DevDesktopInstancePublicDnsName": "Public DNS name of the instance (empty without VPC DNS hostnames)",
}
USER_DATA_HEAD = """#!/bin/bash
# hyperledger-ec2-standalone: build the Fabric network and Explorer, then tell CloudFormation whether it worked.
exec > >(tee -a /var/log/fabric-boot.log) 2>&1
[ -x /opt/aws/bin/cfn-signal ] || dnf install -y -q aws-cfn-bootstrap
(
set -euo pipefail
CHANNEL=${ChannelName}
DOMAIN=${RootDomain}
ORG1=${Org1SubDomain}
ORG2=${Org2SubDomain}
ORG3=${Org3SubDomain}
FABRIC_VERSION=${FabricVersion}
CA_VERSION=${FabricCaVersion}
SAMPLES_COMMIT=${FabricSamplesCommit}
INSTALLER_COMMIT=%s
EXPLORER_VERSION=${ExplorerVersion}
COMPOSE_VERSION=%s
SECRET_ARN=${ExplorerAdminSecret}
REGION=${AWS::Region}
"""
USER_DATA_TAIL = """)
/opt/aws/bin/cfn-signal -e $? --stack ${AWS::StackName} --resource DevDesktopInstance --region ${AWS::Region}
"""


def add_parameters(t: Template, names: list[str]) -> dict[str, Parameter]:
    return {name: t.add_parameter(Parameter(name, **PARAMETERS[name])) for name in names}


def add_interface(t: Template) -> None:
    groups = [(label, [t.parameters[n] for n in names if n in t.parameters]) for label, names in GROUPS]
    interface(
        t,
        [(label, members) for label, members in groups if members],
        labels={name: label for name, label in LABELS.items() if name in t.parameters},
    )


def add_distinct_organizations_rule(t: Template) -> None:
    org1, org2, org3 = (Ref(f"Org{n}SubDomain") for n in (1, 2, 3))
    t.add_rule(
        "DistinctOrganizations",
        {
            "Assertions": [
                {
                    "Assert": And(Not(Equals(org1, org2)), Not(Equals(org1, org3)), Not(Equals(org2, org3))),
                    "AssertDescription": "the three organization sub-domains must differ",
                }
            ]
        },
    )


def boot_script() -> str:
    """functions/fabric_boot.sh, checked to embed verbatim in Fn::Sub."""
    text = functions.read("fabric_boot.sh")
    if "${" in text:
        raise ValueError("functions/fabric_boot.sh uses '${': CloudFormation would read it as a reference")
    return text


@register
def build() -> Template:
    t = Template(
        Description="Hyperledger Fabric network of three organizations and Hyperledger Explorer on one EC2 "
        "instance, built at boot with Docker (nested by hyperledger-fabric)"
    )
    params = add_parameters(t, list(PARAMETERS))
    add_interface(t)
    add_distinct_organizations_rule(t)
    t.add_condition("CreateInstanceProfile", Equals(Ref(params["EC2InstanceProfileArn"]), ""))
    key_name = optional_key_name(t, params["EC2KeyPairName"])

    secret = t.add_resource(
        Secret(
            "ExplorerAdminSecret",
            Description="Hyperledger Explorer password of exploreradmin",
            GenerateSecretString=GenerateSecretString(PasswordLength=24, ExcludePunctuation=True),
        )
    )
    accept_findings(
        secret,
        checkov={
            "CKV_AWS_149": "encrypted with the AWS managed key of Secrets Manager; a customer key would outlive "
            "the instance for one login password",
            "CKV2_AWS_57": "Explorer reads the password once, at boot; a rotation would lock the user out until "
            "the instance is rebuilt",
        },
    )
    role, profile = ssm_instance_role(
        t,
        "DevDesktop",
        statements=[Statement(Effect=Allow, Action=[GetSecretValue], Resource=[Ref(secret)])],
    )
    role.Condition = profile.Condition = "CreateInstanceProfile"

    template = launch_template(
        t,
        "DevDesktopLaunchTemplate",
        image_id=f"{{{{resolve:ssm:{AMAZON_LINUX_2023_X86}}}}}",
        instance_type=Ref(params["EC2InstanceType"]),
        instance_profile=If("CreateInstanceProfile", GetAtt(profile, "Arn"), Ref(params["EC2InstanceProfileArn"])),
        network_interfaces=[
            NetworkInterfaces(
                DeviceIndex=0,
                AssociatePublicIpAddress=True,
                SubnetId=Ref(params["NetworkSubnetID"]),
                Groups=[Ref(params["EC2SecurityGroup"])],
                DeleteOnTermination=True,
            )
        ],
        user_data=Sub(
            USER_DATA_HEAD % (FABRIC_INSTALLER_COMMIT, DOCKER_COMPOSE_VERSION) + boot_script() + USER_DATA_TAIL
        ),
        key_name=key_name,
        name_tag=Sub("${AWS::StackName}-fabric"),
        metadata_hop_limit=1,  # the Fabric and Explorer containers cannot take the instance role
    )
    accept_findings(
        template,
        checkov={
            "CKV_AWS_88": "a stand-alone development desktop: the public address downloads Fabric without a NAT "
            "gateway and serves Explorer; EC2SecurityGroup decides who reaches it",
        },
    )
    instance = t.add_resource(
        Instance(
            "DevDesktopInstance",
            LaunchTemplate=LaunchTemplateSpecification(
                LaunchTemplateId=Ref(template), Version=GetAtt(template, "LatestVersionNumber")
            ),
            CreationPolicy=CreationPolicy(ResourceSignal=ResourceSignal(Count=1, Timeout="PT60M")),
        )
    )

    values = {
        "ExplorerURL": Sub("http://${DevDesktopInstance.PublicIp}:8080"),
        "ExplorerAdminSecretArn": Ref(secret),
        "DevDesktopInstanceId": Ref(instance),
        "DevDesktopInstancePrivateDnsName": GetAtt(instance, "PrivateDnsName"),
        "DevDesktopInstancePublicDnsName": GetAtt(instance, "PublicDnsName"),
    }
    for name, description in OUTPUTS.items():
        t.add_output(Output(name, Description=description, Value=values[name]))
    return t
