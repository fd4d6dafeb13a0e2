"""What a Kubernetes installer needs in an AWS account before it runs (blog: "Manage Kubernetes Clusters
on AWS Using CoreOS Tectonic").

The post's installer (CoreOS Tectonic; the same holds for its successors and
for kops-style installers) builds a whole cluster: VPC, subnets, security
groups, EC2 instances in Auto Scaling groups, load balancers for the API
server and ingress, IAM roles for the nodes, DNS records and an S3 bucket of
assets. It needs two things prepared:

- **A public Route 53 hosted zone for the cluster's subdomain** (`ClusterDomain`,
  e.g. `k8s.example.com`). The installer writes the API server and ingress
  records there. Delegate the subdomain: at the registrar or in the parent
  zone, add an NS record for `ClusterDomain` with the four name servers of
  the `NameServers` output.
- **An IAM role the installer assumes.** The post created an IAM user with
  access keys; here the installer runs with temporary credentials of a role
  that `TrustedPrincipalArn` (an account, role or user, e.g. the CI role or
  an administrator's SSO role) may assume, optionally only with `ExternalId`.
  No long-lived keys exist.

The role's managed policy grants what the installer uses, scoped as far as
each service allows: EC2 and Elastic Load Balancing resources of this
account in this region, Auto Scaling groups, Route 53 on this hosted zone
only, S3 on the assets bucket (`AssetsBucketName`) and its objects, IAM
roles and instance profiles whose names start with `NodeRolePrefix` (passable
to EC2 only), and CloudFormation stacks whose names start with
`StackNamePrefix`. Read-only Describe/List calls that the services do not
scope by resource are granted on `*`. Launch configurations are not granted:
Auto Scaling groups use launch templates.

**Node roles carry a permissions boundary.** A role that may create roles
and write their policies could otherwise create a node role more powerful
than itself and pass it to EC2. The template creates the managed policy
`NodePermissionsBoundary` (output `NodePermissionsBoundaryArn`), and the
installer may create node roles and put or delete their inline policies only
when the role carries exactly that boundary (`iam:PermissionsBoundary`); an
explicit deny keeps that true even if someone attaches more to the installer
role, and the installer can neither remove a node role's boundary nor change
the boundary policy. The boundary allows at most what nodes of such a
cluster use, all of it within the installer's own rights: EC2, Elastic Load
Balancing and Auto Scaling in this account and region, the cluster's DNS
zone, reading the assets bucket, plus pulling images from this account's
ECR repositories; never IAM, CloudFormation or other buckets. Configure the
installer to set it on the roles it creates (for example Terraform's
`permissions_boundary`, kops' `iam.permissionsBoundary`); without it, the
installer's CreateRole is refused.

Use the role for the install and for upgrades, then leave it unassumable
(remove the trust or the principal's permission) between them.
"""

from awacs import autoscaling, cloudformation, ec2, ecr, elasticloadbalancing, iam, route53, s3
from awacs.aws import Allow, Condition, Deny, Principal, Statement, StringEquals, StringLike, StringNotEquals
from awacs.sts import AssumeRole
from troposphere import Equals, GetAtt, If, Join, Not, Output, Parameter, Ref, Sub, Template
from troposphere.iam import ManagedPolicy, Role
from troposphere.route53 import HostedZone, HostedZoneConfiguration

from cfn_catalog.blocks.iam import policy_document
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

DOMAIN_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
PRINCIPAL_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:(root|role/.+|user/.+)$"

# Read-only calls that IAM does not scope by resource: the installer discovers
# zones, images, instance types and what it created, then waits on changes.
EC2_DESCRIBE = (
    "DescribeAccountAttributes",
    "DescribeAddresses",
    "DescribeAvailabilityZones",
    "DescribeDhcpOptions",
    "DescribeImages",
    "DescribeInstanceAttribute",
    "DescribeInstanceTypes",
    "DescribeInstances",
    "DescribeInternetGateways",
    "DescribeKeyPairs",
    "DescribeLaunchTemplateVersions",
    "DescribeLaunchTemplates",
    "DescribeNatGateways",
    "DescribeNetworkInterfaces",
    "DescribePrefixLists",
    "DescribeRegions",
    "DescribeRouteTables",
    "DescribeSecurityGroups",
    "DescribeSubnets",
    "DescribeTags",
    "DescribeVolumes",
    "DescribeVpcAttribute",
    "DescribeVpcEndpoints",
    "DescribeVpcs",
)
ELB_DESCRIBE = (
    "DescribeInstanceHealth",
    "DescribeListeners",
    "DescribeLoadBalancerAttributes",
    "DescribeLoadBalancers",
    "DescribeTags",
    "DescribeTargetGroupAttributes",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
)
AUTOSCALING_DESCRIBE = (
    "DescribeAutoScalingGroups",
    "DescribeAutoScalingInstances",
    "DescribeScalingActivities",
    "DescribeTags",
)
# Everything the installer creates, changes and deletes in EC2; all of these
# accept resource ARNs, so they are limited to this account and region (plus
# the account-less ARNs of public AMIs and their snapshots).
EC2_MANAGE = (
    # instances and their launch templates
    "RunInstances",
    "StartInstances",
    "StopInstances",
    "RebootInstances",
    "TerminateInstances",
    "ModifyInstanceAttribute",
    "CreateLaunchTemplate",
    "CreateLaunchTemplateVersion",
    "ModifyLaunchTemplate",
    "DeleteLaunchTemplate",
    # volumes
    "CreateVolume",
    "AttachVolume",
    "DetachVolume",
    "ModifyVolume",
    "DeleteVolume",
    # VPC pieces
    "CreateVpc",
    "ModifyVpcAttribute",
    "DeleteVpc",
    "CreateSubnet",
    "ModifySubnetAttribute",
    "DeleteSubnet",
    "CreateInternetGateway",
    "AttachInternetGateway",
    "DetachInternetGateway",
    "DeleteInternetGateway",
    "CreateRouteTable",
    "AssociateRouteTable",
    "DisassociateRouteTable",
    "DeleteRouteTable",
    "CreateRoute",
    "ReplaceRoute",
    "DeleteRoute",
    "AllocateAddress",
    "AssociateAddress",
    "DisassociateAddress",
    "ReleaseAddress",
    "CreateNatGateway",
    "DeleteNatGateway",
    "CreateDhcpOptions",
    "AssociateDhcpOptions",
    "DeleteDhcpOptions",
    "CreateVpcEndpoint",
    "DeleteVpcEndpoints",
    "CreateNetworkInterface",
    "ModifyNetworkInterfaceAttribute",
    "DeleteNetworkInterface",
    # security groups
    "CreateSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "DeleteSecurityGroup",
    # tags
    "CreateTags",
    "DeleteTags",
)
# Classic and v2 load balancers share the elasticloadbalancing prefix.
ELB_MANAGE = (
    "CreateLoadBalancer",
    "DeleteLoadBalancer",
    "ModifyLoadBalancerAttributes",
    "ConfigureHealthCheck",
    "CreateLoadBalancerListeners",
    "DeleteLoadBalancerListeners",
    "AttachLoadBalancerToSubnets",
    "ApplySecurityGroupsToLoadBalancer",
    "SetSecurityGroups",
    "RegisterInstancesWithLoadBalancer",
    "DeregisterInstancesFromLoadBalancer",
    "CreateTargetGroup",
    "ModifyTargetGroup",
    "ModifyTargetGroupAttributes",
    "DeleteTargetGroup",
    "RegisterTargets",
    "DeregisterTargets",
    "CreateListener",
    "ModifyListener",
    "DeleteListener",
    "AddTags",
    "RemoveTags",
)
AUTOSCALING_MANAGE = (
    "CreateAutoScalingGroup",
    "UpdateAutoScalingGroup",
    "DeleteAutoScalingGroup",
    "SetDesiredCapacity",
    "TerminateInstanceInAutoScalingGroup",
    "AttachLoadBalancers",
    "DetachLoadBalancers",
    "AttachLoadBalancerTargetGroups",
    "DetachLoadBalancerTargetGroups",
    "SuspendProcesses",
    "ResumeProcesses",
    "CreateOrUpdateTags",
    "DeleteTags",
)
# The calls that set what a node role may do; IAM evaluates iam:PermissionsBoundary on these.
NODE_ROLE_PERMISSIONS = ("CreateRole", "PutRolePolicy", "DeleteRolePolicy")
# Also guarded by the explicit deny (never granted): attaching managed policies, changing the boundary.
NODE_ROLE_GUARDED = (*NODE_ROLE_PERMISSIONS, "AttachRolePolicy", "DetachRolePolicy", "PutRolePermissionsBoundary")
# Installer statements whose rights a node role may also have (its permissions boundary).
NODE_BOUNDARY_SIDS = (
    "DescribeComputeAndNetwork",
    "ManageEc2InThisAccountAndRegion",
    "ManageLoadBalancers",
    "ManageAutoScalingGroups",
    "RecordsInTheClusterZone",
    "WaitForDnsChanges",
    "FindTheClusterZone",
)
ECR_PULL = ("BatchCheckLayerAvailability", "BatchGetImage", "GetDownloadUrlForLayer")
NODE_ROLE_OTHER = (
    "TagRole",
    "DeleteRole",
    "GetRole",
    "GetRolePolicy",
    "ListRolePolicies",
    "ListAttachedRolePolicies",
    "ListInstanceProfilesForRole",
)
INSTANCE_PROFILE_MANAGE = (
    "CreateInstanceProfile",
    "GetInstanceProfile",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
    "DeleteInstanceProfile",
)
STACK_MANAGE = (
    "CreateStack",
    "UpdateStack",
    "DeleteStack",
    "DescribeStacks",
    "DescribeStackEvents",
    "DescribeStackResources",
    "GetTemplate",
)


def actions(module, *names: str) -> list:
    """awacs actions by name; a misspelt name fails at build time."""
    return [getattr(module, name) for name in names]


def arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> Sub:
    region_part = "${AWS::Region}" if region else ""
    account_part = "${AWS::AccountId}" if account else ""
    return Sub(f"arn:${{AWS::Partition}}:{service}:{region_part}:{account_part}:{resource}")


def _parameters(t: Template) -> dict[str, Parameter]:
    params = [
        Parameter(
            "ClusterDomain",
            Type="String",
            AllowedPattern=DOMAIN_PATTERN,
            ConstraintDescription="a lowercase DNS name such as k8s.example.com",
            MaxLength=253,
            Description="The cluster's DNS subdomain (e.g. k8s.example.com); a public hosted zone is created "
            "for it, to be delegated from its parent domain",
        ),
        Parameter(
            "TrustedPrincipalArn",
            Type="String",
            AllowedPattern=PRINCIPAL_PATTERN,
            ConstraintDescription="an IAM ARN of an account root, a role or a user",
            Description="Who may assume the installer role: an account (arn:...:root), a role or a user",
        ),
        Parameter(
            "ExternalId",
            Type="String",
            Default="",
            AllowedPattern=r"^$|^[\w+=,.@:/-]{2,1224}$",
            ConstraintDescription="2-1224 letters, digits and +=,.@:/-_ or empty",
            Description="Optional external ID the principal must pass when assuming the role (for a third "
            "party acting on your behalf); empty requires none",
        ),
        Parameter(
            "AssetsBucketName",
            Type="String",
            AllowedPattern=r"^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            ConstraintDescription="an S3 bucket name",
            Description="The S3 bucket the installer keeps the cluster's assets in (it may create it)",
        ),
        Parameter(
            "NodeRolePrefix",
            Type="String",
            Default="tectonic-",
            AllowedPattern=r"^[\w+=,.@-]{1,32}$",
            ConstraintDescription="1-32 characters of letters, digits and +=,.@-_",
            Description="Name prefix of the IAM roles and instance profiles the installer creates for nodes; "
            "it may manage and pass only those",
        ),
        Parameter(
            "StackNamePrefix",
            Type="String",
            Default="tectonic-",
            AllowedPattern=r"^[a-zA-Z][-a-zA-Z0-9]{0,63}$",
            ConstraintDescription="a CloudFormation stack name prefix",
            Description="Name prefix of the CloudFormation stacks the installer may create, update and delete",
        ),
    ]
    return {p.title: t.add_parameter(p) for p in params}


@register
def build() -> Template:
    t = Template(
        Description="Kubernetes installer prerequisites: a public Route 53 hosted zone for the cluster "
        "subdomain and an assumable installer IAM role with a scoped managed policy (no IAM users or keys)"
    )
    p = _parameters(t)
    interface(
        t,
        [
            ("DNS", [p["ClusterDomain"]]),
            ("Who installs", [p["TrustedPrincipalArn"], p["ExternalId"]]),
            (
                "What the installer may manage",
                [p["AssetsBucketName"], p["NodeRolePrefix"], p["StackNamePrefix"]],
            ),
        ],
        labels={
            "ClusterDomain": "Cluster domain",
            "TrustedPrincipalArn": "Trusted principal ARN",
            "ExternalId": "External ID",
            "AssetsBucketName": "Assets bucket name",
            "NodeRolePrefix": "Node role name prefix",
            "StackNamePrefix": "Stack name prefix",
        },
    )
    t.add_condition("HasExternalId", Not(Equals(Ref(p["ExternalId"]), "")))

    zone = t.add_resource(
        HostedZone(
            "HostedZone",
            Name=Ref(p["ClusterDomain"]),
            HostedZoneConfig=HostedZoneConfiguration(
                Comment=Sub("Kubernetes cluster ${ClusterDomain}: records written by the installer")
            ),
            # Its name servers are delegated to at the registrar: keep them if the stack goes.
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )

    role = t.add_resource(
        Role(
            "InstallerRole",
            Description="Assumed by the Kubernetes cluster installer",
            MaxSessionDuration=3600,
            AssumeRolePolicyDocument=policy_document(
                Statement(
                    Effect=Allow,
                    Principal=Principal("AWS", [Ref(p["TrustedPrincipalArn"])]),
                    Action=[AssumeRole],
                    Condition=If(
                        "HasExternalId",
                        Condition(StringEquals("sts:ExternalId", Ref(p["ExternalId"]))),
                        Ref("AWS::NoValue"),
                    ),
                )
            ),
        )
    )

    node_roles = arn("iam", "role/${NodeRolePrefix}*", region=False)
    boundary_arn = Ref("NodePermissionsBoundary")
    statements = [
        # Describe/List calls: EC2, Elastic Load Balancing and Auto Scaling do
        # not support resource-level permissions for them, so Resource is "*".
        Statement(
            Sid="DescribeComputeAndNetwork",
            Effect=Allow,
            Action=[
                *actions(ec2, *EC2_DESCRIBE),
                *actions(elasticloadbalancing, *ELB_DESCRIBE),
                *actions(autoscaling, *AUTOSCALING_DESCRIBE),
            ],
            Resource=["*"],
        ),
        Statement(
            Sid="ManageEc2InThisAccountAndRegion",
            Effect=Allow,
            Action=actions(ec2, *EC2_MANAGE),
            Resource=[
                arn("ec2", "*"),
                arn("ec2", "image/*", account=False),
                arn("ec2", "snapshot/*", account=False),
            ],
        ),
        Statement(
            Sid="ManageLoadBalancers",
            Effect=Allow,
            Action=actions(elasticloadbalancing, *ELB_MANAGE),
            Resource=[arn("elasticloadbalancing", "*")],
        ),
        Statement(
            Sid="ManageAutoScalingGroups",
            Effect=Allow,
            Action=actions(autoscaling, *AUTOSCALING_MANAGE),
            Resource=[arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*")],
        ),
        Statement(
            Sid="RecordsInTheClusterZone",
            Effect=Allow,
            Action=actions(
                route53,
                "ChangeResourceRecordSets",
                "ListResourceRecordSets",
                "GetHostedZone",
                "ChangeTagsForResource",
                "ListTagsForResource",
            ),
            Resource=[arn("route53", "hostedzone/${HostedZone}", region=False, account=False)],
        ),
        Statement(
            Sid="WaitForDnsChanges",
            Effect=Allow,
            Action=[route53.GetChange],
            Resource=[arn("route53", "change/*", region=False, account=False)],
        ),
        # Listing zones (to find the cluster's by name) cannot be scoped by resource.
        Statement(
            Sid="FindTheClusterZone",
            Effect=Allow,
            Action=[route53.ListHostedZones, route53.ListHostedZonesByName],
            Resource=["*"],
        ),
        Statement(
            Sid="AssetsBucket",
            Effect=Allow,
            Action=actions(
                s3,
                "CreateBucket",
                "DeleteBucket",
                "ListBucket",
                "GetBucketLocation",
                "GetBucketTagging",
                "PutBucketTagging",
                "PutEncryptionConfiguration",
                "PutBucketPublicAccessBlock",
            ),
            Resource=[arn("s3", "${AssetsBucketName}", region=False, account=False)],
        ),
        Statement(
            Sid="AssetsObjects",
            Effect=Allow,
            Action=actions(s3, "GetObject", "PutObject", "DeleteObject"),
            Resource=[arn("s3", "${AssetsBucketName}/*", region=False, account=False)],
        ),
        Statement(
            Sid="SetNodeRolePermissions",
            Effect=Allow,
            Action=actions(iam, *NODE_ROLE_PERMISSIONS),
            Resource=[node_roles],
            Condition=Condition(StringEquals("iam:PermissionsBoundary", boundary_arn)),
        ),
        # Explicit denies hold even if other policies are attached to the installer role.
        Statement(
            Sid="NoNodeRoleWithoutTheBoundary",
            Effect=Deny,
            Action=actions(iam, *NODE_ROLE_GUARDED),
            Resource=[node_roles],
            Condition=Condition(StringNotEquals("iam:PermissionsBoundary", boundary_arn)),
        ),
        Statement(
            Sid="KeepTheBoundary",
            Effect=Deny,
            Action=[iam.DeleteRolePermissionsBoundary],
            Resource=[node_roles],
        ),
        Statement(
            Sid="KeepTheBoundaryPolicy",
            Effect=Deny,
            Action=actions(
                iam, "CreatePolicyVersion", "DeletePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicy"
            ),
            Resource=[boundary_arn],
        ),
        Statement(
            Sid="TagReadAndDeleteNodeRoles",
            Effect=Allow,
            Action=actions(iam, *NODE_ROLE_OTHER),
            Resource=[node_roles],
        ),
        Statement(
            Sid="PassNodeRolesToEc2Only",
            Effect=Allow,
            Action=[iam.PassRole],
            Resource=[node_roles],
            Condition=Condition(StringEquals("iam:PassedToService", "ec2.amazonaws.com")),
        ),
        Statement(
            Sid="ManageNodeInstanceProfiles",
            Effect=Allow,
            Action=actions(iam, *INSTANCE_PROFILE_MANAGE),
            Resource=[arn("iam", "instance-profile/${NodeRolePrefix}*", region=False)],
        ),
        # First use of Auto Scaling or Elastic Load Balancing in an account
        # creates their service-linked roles on behalf of the caller.
        Statement(
            Sid="CreateServiceLinkedRoles",
            Effect=Allow,
            Action=[iam.CreateServiceLinkedRole],
            Resource=[arn("iam", "role/aws-service-role/*", region=False)],
            Condition=Condition(
                StringLike(
                    "iam:AWSServiceName",
                    ["autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com"],
                )
            ),
        ),
        Statement(
            Sid="ManageClusterStacks",
            Effect=Allow,
            Action=actions(cloudformation, *STACK_MANAGE),
            Resource=[arn("cloudformation", "stack/${StackNamePrefix}*/*")],
        ),
        # Template validation is not tied to a stack and cannot be scoped.
        Statement(
            Sid="ValidateTemplates",
            Effect=Allow,
            Action=[cloudformation.ValidateTemplate],
            Resource=["*"],
        ),
    ]
    by_sid = {statement.Sid: statement for statement in statements}
    t.add_resource(
        ManagedPolicy(
            "NodePermissionsBoundary",
            Description="Permissions boundary of the node roles the Kubernetes installer creates: at most "
            "cluster infrastructure in this account and region, the cluster zone and image pulls",
            PolicyDocument=policy_document(
                *(by_sid[sid] for sid in NODE_BOUNDARY_SIDS),
                Statement(
                    Sid="ReadAssets",
                    Effect=Allow,
                    Action=[s3.GetObject],
                    Resource=[arn("s3", "${AssetsBucketName}/*", region=False, account=False)],
                ),
                Statement(
                    Sid="PullImagesOfThisAccount",
                    Effect=Allow,
                    Action=actions(ecr, *ECR_PULL),
                    Resource=[arn("ecr", "repository/*")],
                ),
                # GetAuthorizationToken is not tied to a repository.
                Statement(Sid="EcrLogin", Effect=Allow, Action=[ecr.GetAuthorizationToken], Resource=["*"]),
            ),
        )
    )
    t.add_resource(
        ManagedPolicy(
            "InstallerPolicy",
            Description="What the Kubernetes installer may do: cluster infrastructure in this account and region",
            Roles=[Ref(role)],
            PolicyDocument=policy_document(*statements),
        )
    )

    t.add_output(Output("HostedZoneId", Description="The ID of the cluster's hosted zone", Value=Ref(zone)))
    t.add_output(
        Output(
            "NameServers",
            Description="Name servers of the hosted zone: delegate ClusterDomain to them (NS record at the "
            "registrar or in the parent zone)",
            Value=Join(",", GetAtt(zone, "NameServers")),
        )
    )
    t.add_output(Output("InstallerRoleArn", Description="The role the installer assumes", Value=GetAtt(role, "Arn")))
    t.add_output(
        Output(
            "NodePermissionsBoundaryArn",
            Description="Permissions boundary the installer must set on every node role it creates",
            Value=boundary_arn,
        )
    )
    return t
