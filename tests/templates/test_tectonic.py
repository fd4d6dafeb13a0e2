"""Intent of tectonic-prereqs: a delegable hosted zone and a scoped, assumable installer role."""

import re

import pytest
from conftest import resources_of_type

from cfn_catalog import catalog

NAME = "tectonic-prereqs"


def statements():
    policy = catalog.resources(NAME)["InstallerPolicy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    assert policy["Properties"]["Roles"] == [{"Ref": "InstallerRole"}]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def sub(resource):
    return resource["Fn::Sub"] if isinstance(resource, dict) else resource


def test_public_hosted_zone_for_the_cluster_domain_with_name_servers_to_delegate():
    zone = catalog.resources(NAME)["HostedZone"]
    assert zone["Type"] == "AWS::Route53::HostedZone"
    assert zone["Properties"]["Name"] == {"Ref": "ClusterDomain"}
    assert "VPCs" not in zone["Properties"]  # public, not private
    outputs = catalog.template_dict(NAME)["Outputs"]
    assert outputs["NameServers"]["Value"] == {"Fn::Join": [",", {"Fn::GetAtt": ["HostedZone", "NameServers"]}]}
    assert outputs["HostedZoneId"]["Value"] == {"Ref": "HostedZone"}
    assert outputs["InstallerRoleArn"]["Value"] == {"Fn::GetAtt": ["InstallerRole", "Arn"]}


def test_no_iam_users_or_keys_only_a_role_the_trusted_principal_assumes():
    types = {r["Type"] for r in catalog.resources(NAME).values()}
    assert not types & {"AWS::IAM::User", "AWS::IAM::AccessKey", "AWS::IAM::Group"}
    (role,) = resources_of_type(NAME, "AWS::IAM::Role").values()
    assert "RoleName" not in role["Properties"]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": [{"Ref": "TrustedPrincipalArn"}]}
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {
        "Fn::If": [
            "HasExternalId",
            {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
            {"Ref": "AWS::NoValue"},
        ]
    }


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("arn:aws:iam::111122223333:root", True),
        ("arn:aws-us-gov:iam::111122223333:role/ci/deployer", True),
        ("arn:aws:iam::111122223333:user/alice", True),
        ("arn:aws:iam::111122223333:group/admins", False),
        ("*", False),
        ("arn:aws:iam::1111:root", False),
    ],
)
def test_trusted_principal_must_be_an_account_role_or_user(value, ok):
    pattern = catalog.template_dict(NAME)["Parameters"]["TrustedPrincipalArn"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("k8s.example.com", True), ("cluster-1.prod.example.co.uk", True), ("example", False), ("K8s.Example.com", False)],
)
def test_cluster_domain_is_a_hostname(value, ok):
    pattern = catalog.template_dict(NAME)["Parameters"]["ClusterDomain"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is ok


def test_only_read_only_calls_are_granted_on_every_resource():
    read_only = re.compile(r"^[a-z0-9-]+:(Describe|List|Get|Validate)[A-Za-z]+$")
    for sid, statement in statements().items():
        for action in statement["Action"]:
            assert "*" not in action, f"{sid}: wildcard action {action}"
        if "*" in statement["Resource"]:
            assert statement["Resource"] == ["*"]
            assert all(read_only.match(a) for a in statement["Action"]), sid


def test_installer_manages_compute_and_network_in_this_account_and_region_only():
    s = statements()
    ec2 = s["ManageEc2InThisAccountAndRegion"]
    assert {
        "ec2:RunInstances",
        "ec2:CreateVolume",
        "ec2:CreateVpc",
        "ec2:CreateSecurityGroup",
        "ec2:CreateTags",
    } <= set(ec2["Action"])
    assert [sub(r) for r in ec2["Resource"]] == [
        "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*",
        "arn:${AWS::Partition}:ec2:${AWS::Region}::image/*",
        "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*",
    ]
    elb = s["ManageLoadBalancers"]
    assert [sub(r) for r in elb["Resource"]] == [
        "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:*"
    ]
    asg = s["ManageAutoScalingGroups"]
    assert "autoscaling:CreateAutoScalingGroup" in asg["Action"]
    assert "autoscaling:CreateLaunchConfiguration" not in asg["Action"]
    assert all(
        sub(r).startswith("arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:")
        for r in asg["Resource"]
    )


def test_route53_writes_only_to_the_cluster_zone():
    s = statements()
    records = s["RecordsInTheClusterZone"]
    assert "route53:ChangeResourceRecordSets" in records["Action"]
    assert [sub(r) for r in records["Resource"]] == ["arn:${AWS::Partition}:route53:::hostedzone/${HostedZone}"]
    route53_anywhere = [
        a for st in s.values() if "*" in st["Resource"] for a in st["Action"] if a.startswith("route53:")
    ]
    assert sorted(route53_anywhere) == ["route53:ListHostedZones", "route53:ListHostedZonesByName"]


def test_s3_only_on_the_assets_bucket_and_its_objects():
    s3 = [st for st in statements().values() if any(a.startswith("s3:") for a in st["Action"])]
    resources = sorted(sub(r) for st in s3 for r in st["Resource"])
    assert resources == [
        "arn:${AWS::Partition}:s3:::${AssetsBucketName}",
        "arn:${AWS::Partition}:s3:::${AssetsBucketName}/*",
    ]


def test_node_roles_are_limited_to_the_prefix_and_passable_to_ec2_only():
    s = statements()
    iam_statements = [st for st in s.values() if any(a.startswith("iam:") for a in st["Action"])]
    for st in iam_statements:
        if st["Sid"] == "KeepTheBoundaryPolicy":  # a deny on the boundary policy itself
            assert st["Effect"] == "Deny" and st["Resource"] == [{"Ref": "NodePermissionsBoundary"}]
            continue
        for resource in st["Resource"]:
            assert sub(resource) in (
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${NodeRolePrefix}*",
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/${NodeRolePrefix}*",
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*",
            ), st["Sid"]
    granted = {a for st in iam_statements if st["Effect"] == "Allow" for a in st["Action"]}
    assert not granted & {"iam:CreateUser", "iam:CreateAccessKey", "iam:AttachRolePolicy", "iam:CreatePolicyVersion"}
    passing = s["PassNodeRolesToEc2Only"]
    assert passing["Action"] == ["iam:PassRole"]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    permissions = s["SetNodeRolePermissions"]
    assert set(permissions["Action"]) == {"iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"}


def test_node_roles_must_carry_the_boundary_the_template_creates():
    s = statements()
    boundary = {"Ref": "NodePermissionsBoundary"}
    assert "NodePermissionsBoundaryArn" not in catalog.template_dict(NAME)["Parameters"]
    assert (
        "Conditions" not in catalog.template_dict(NAME)
        or "HasNodePermissionsBoundary" not in (catalog.template_dict(NAME)["Conditions"])
    )
    # every grant that sets a node role's permissions requires the boundary, unconditionally
    setting = {"iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"}
    for st in s.values():
        if st["Effect"] == "Allow" and setting & set(st["Action"]):
            assert st["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary}}, st["Sid"]
    deny = s["NoNodeRoleWithoutTheBoundary"]
    assert deny["Effect"] == "Deny"
    assert setting | {"iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"} <= set(deny["Action"])
    assert deny["Condition"] == {"StringNotEquals": {"iam:PermissionsBoundary": boundary}}
    assert s["KeepTheBoundary"]["Effect"] == "Deny"
    assert s["KeepTheBoundary"]["Action"] == ["iam:DeleteRolePermissionsBoundary"]
    assert s["KeepTheBoundaryPolicy"]["Effect"] == "Deny" and s["KeepTheBoundaryPolicy"]["Resource"] == [boundary]
    outputs = catalog.template_dict(NAME)["Outputs"]
    assert outputs["NodePermissionsBoundaryArn"]["Value"] == boundary


def test_the_boundary_grants_no_iam_or_cloudformation_and_nothing_beyond_the_installer_but_image_pulls():
    policy = catalog.resources(NAME)["NodePermissionsBoundary"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy" and "Roles" not in policy["Properties"]
    boundary = policy["Properties"]["PolicyDocument"]["Statement"]
    installer = statements()
    granted = set()
    for st in boundary:
        assert st["Effect"] == "Allow"
        assert not any(a.startswith(("iam:", "cloudformation:", "sts:")) for a in st["Action"]), st["Sid"]
        granted.update(st["Action"])
        if st["Sid"] in installer:
            assert st == installer[st["Sid"]]
    extra = {st["Sid"] for st in boundary} - set(installer)
    assert extra == {"ReadAssets", "PullImagesOfThisAccount", "EcrLogin"}
    assert all(
        a.startswith("ecr:") or a == "s3:GetObject" for st in boundary if st["Sid"] in extra for a in st["Action"]
    )


def test_cloudformation_only_on_stacks_with_the_prefix():
    stacks = statements()["ManageClusterStacks"]
    assert "cloudformation:CreateStack" in stacks["Action"]
    assert [sub(r) for r in stacks["Resource"]] == [
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${StackNamePrefix}*/*"
    ]
