"""The shared blocks: secure defaults, and the options templates rely on."""

import json

import pytest
from conftest import all_names, resources_of_type
from troposphere import Ref, Template

from cfn_catalog.blocks import ec2, iam, logs, metadata, s3, vpc


def _doc(t: Template) -> dict:
    return t.to_dict()["Resources"]


def test_secure_bucket_defaults():
    t = Template()
    s3.secure_bucket(t, "Data")
    bucket = _doc(t)["Data"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert all(props["PublicAccessBlockConfiguration"].values())
    statement = _doc(t)["DataPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Sid"] == "DenyInsecureTransport" and statement["Effect"] == "Deny"


def test_secure_bucket_with_a_customer_key_uses_bucket_keys():
    t = Template()
    s3.secure_bucket(t, "Data", kms_key_arn="arn:key")
    rule = _doc(t)["Data"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule == {
        "BucketKeyEnabled": True,
        "ServerSideEncryptionByDefault": {"KMSMasterKeyID": "arn:key", "SSEAlgorithm": "aws:kms"},
    }


def test_log_group_accepts_service_encryption_only_without_a_key_and_retains_on_request():
    t = Template()
    logs.log_group(t, "Plain")
    logs.log_group(t, "Audit", kms_key_arn="arn:key", retain=True)
    plain, audit = _doc(t)["Plain"], _doc(t)["Audit"]
    assert plain["Metadata"]["checkov"]["skip"][0]["id"] == "CKV_AWS_158"
    assert plain["DeletionPolicy"] == "Delete"
    assert "Metadata" not in audit and audit["DeletionPolicy"] == audit["UpdateReplacePolicy"] == "Retain"
    assert audit["Properties"]["KmsKeyId"] == "arn:key"


@pytest.mark.parametrize("hops", [1, 2])
def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume(hops):
    t = Template()
    ec2.launch_template(t, "Lt", image_id="ami-1", instance_type="t3.micro", metadata_hop_limit=hops)
    data = _doc(t)["Lt"]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"] == {
        "HttpEndpoint": "enabled",
        "HttpPutResponseHopLimit": hops,
        "HttpTokens": "required",
    }
    assert data["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True


def test_vpc_exposes_its_flow_log_and_every_routing_resource():
    t = Template()
    network = vpc.vpc(
        t,
        cidr="10.0.0.0/16",
        public_cidrs=["10.0.0.0/24", "10.0.1.0/24"],
        private_cidrs=["10.0.2.0/24", "10.0.3.0/24"],
        gateway_endpoints=["s3"],
        flow_log_kms_key_arn=Ref("Key"),
        retain_flow_logs=True,
    )
    assert sorted(r.title for r in network.routing) == [
        "PrivateRouteTable1DefaultRoute",
        "PrivateRouteTable2DefaultRoute",
        "PrivateSubnet1RouteTableAssociation",
        "PrivateSubnet2RouteTableAssociation",
        "PublicDefaultRoute",
        "PublicSubnet1RouteTableAssociation",
        "PublicSubnet2RouteTableAssociation",
        "S3GatewayEndpoint",
    ]
    assert len(network.nat_gateways) == 2
    group = _doc(t)[network.flow_log_group.title]
    assert group["Properties"]["KmsKeyId"] == {"Ref": "Key"} and group["DeletionPolicy"] == "Retain"
    assert all(_doc(t)[s.title]["Properties"]["MapPublicIpOnLaunch"] is False for s in network.public_subnets)


def test_interface_must_cover_every_parameter_once():
    from troposphere import Parameter

    t = Template()
    a = t.add_parameter(Parameter("A", Type="String"))
    t.add_parameter(Parameter("B", Type="String"))
    with pytest.raises(ValueError, match=r"missing=\['B'\]"):
        metadata.interface(t, [("G", [a])])
    with pytest.raises(ValueError, match=r"duplicated=\['A'\]"):
        metadata.interface(t, [("G", [a, a])])


# Service principals that assume catalog roles without an aws:SourceAccount
# condition, because the service does not send (or document) the key when it
# assumes a role. A new service principal must be placed here or in
# blocks.iam.SOURCE_ACCOUNT_SERVICES: the test below fails until it is.
TRUSTED_WITHOUT_SOURCE_ACCOUNT = {
    "apigateway.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "lambda.amazonaws.com",
    "redshift.amazonaws.com",
}


def _trust_documents(document):
    """The trust policy, or each policy an `Fn::If` can choose."""
    if "Fn::If" in document:
        for branch in document["Fn::If"][1:]:
            yield from _trust_documents(branch)
    else:
        yield document


def _trusted_services(role):
    for document in _trust_documents(role["Properties"]["AssumeRolePolicyDocument"]):
        for statement in document["Statement"]:
            services = statement.get("Principal", {}).get("Service", [])
            for service in [services] if isinstance(services, str) else services:
                yield service, statement


def test_service_roles_require_this_account_where_the_service_supports_it():
    seen = set()
    for name in all_names():
        for logical_id, role in resources_of_type(name, "AWS::IAM::Role").items():
            for service, statement in _trusted_services(role):
                seen.add(service)
                where = f"{name}/{logical_id} trusts {service}"
                if service in iam.SOURCE_ACCOUNT_SERVICES:
                    condition = dict(statement.get("Condition") or {})
                    assert condition.pop("StringEquals", None) == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}, (
                        where
                    )
                    # at most narrowed further to one resource of this account (aws:SourceArn)
                    assert all(set(values) == {"aws:SourceArn"} for values in condition.values()), where
                else:
                    assert service in TRUSTED_WITHOUT_SOURCE_ACCOUNT, (
                        f"{where}: decide whether it gets aws:SourceAccount"
                    )
                    assert "aws:SourceAccount" not in json.dumps(statement.get("Condition", {})), where
    # Both lists describe services the catalog uses, and the condition is exercised.
    assert seen >= TRUSTED_WITHOUT_SOURCE_ACCOUNT
    assert seen >= iam.SOURCE_ACCOUNT_SERVICES


@pytest.mark.parametrize(
    "module", ["start_crawler_on_create", "start_flink_application", "provision_rs_stl_export_jobs", "renew_api_key"]
)
def test_inline_handlers_carry_their_helpers_and_never_import_the_package(module):
    from cfn_catalog.blocks.lambdas import inline_source

    source = inline_source(module)
    assert "cfn_catalog" not in source
    namespace: dict = {}
    exec(compile(source, f"{module}/index.py", "exec"), namespace)  # what Lambda runs: one file, no package
    assert callable(namespace["handler"]) and callable(namespace["send"])


def test_inline_source_refuses_code_that_imports_the_package(monkeypatch):
    from cfn_catalog.blocks import lambdas

    monkeypatch.setattr(lambdas, "function_source", lambda module: "from cfn_catalog.blocks import s3\n")
    with pytest.raises(ValueError, match="imports from the package"):
        lambdas.inline_source("anything")
