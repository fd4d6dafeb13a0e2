"""Intent of the modern data warehouse tree (modern-dw), asserted on the rendered data."""

import json
import re
import sys

import pytest
from conftest import has_properties, resources_of_type

from cfn_catalog import catalog
from cfn_catalog.checks import contracts

ROOT = "modern-dw"
WORKLOAD = "modern-dw-workload"
CHILDREN = {
    "IamStack": "modern-dw-iam",
    "RedshiftStack": "modern-dw-redshift",
    "RDSStack": "modern-dw-rds",
    "SqlWorkerStack": "modern-dw-sqlworker",
    "TableauServerStack": "modern-dw-tableau",
    "DnsStack": "modern-dw-dns",
}
TREE = [ROOT, WORKLOAD, *CHILDREN.values()]
ORIGINAL_PARAMETERS = [
    "RedshiftDatabaseName",
    "RedshiftNumberOfNodes",
    "RedshiftNodeType",
    "RedshiftUsername",
    "RDSDatabaseName",
    "RDSInstanceClass",
    "RDSAllocatedStorage",
    "RDSMultiAZ",
    "RDSUsername",
    "LoadDataset",
    "TableauServerInboundCIDR",
    "TableauServerLicenseKey",
    "ContentAdminUser",
    "ContentAdminPassword",
    "KeyPairName",
    "HostedZoneName",
    *(
        f"Reg{field}"
        for field in (
            "FirstName",
            "LastName",
            "Email",
            "Company",
            "Title",
            "Department",
            "Industry",
            "Phone",
            "City",
            "State",
            "Zip",
            "Country",
        )
    ),
]
ENTRY_OUTPUTS = {
    "TableauServerURL",
    "TableauServerPrivateName",
    "SqlWorkerPrivateName",
    "RedshiftPrivateName",
    "RDSPrivateName",
}
SECRET_PARAMETERS = {"ContentAdminPassword", "TableauServerLicenseKey"}


def params(name):
    return catalog.template_dict(name)["Parameters"]


def outputs(name):
    return catalog.template_dict(name)["Outputs"]


def walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def references(node, name):
    """Paths where `node` reads parameter `name` (Ref or ${name} in a Sub)."""
    found = []
    for path, value in walk(node):
        is_ref = isinstance(value, dict) and value.get("Ref") == name
        in_sub = isinstance(value, str) and path and path[-1] in ("Fn::Sub", 0) and f"${{{name}}}" in value
        if is_ref or in_sub:
            found.append(path)
    return found


# --- tree shape ---------------------------------------------------------------------------------


def test_tree_is_the_entry_point_the_workload_and_its_children():
    assert catalog.tree(ROOT)[:2] == [ROOT, WORKLOAD]
    assert sorted(catalog.tree(ROOT)) == sorted(TREE)
    assert catalog.child_stacks(ROOT) == {"WorkloadStack": WORKLOAD}
    assert catalog.child_stacks(WORKLOAD) == CHILDREN
    for child in CHILDREN.values():
        assert catalog.children(child) == []


def test_workload_deploys_alone_with_its_own_location_parameters():
    declared = params(WORKLOAD)
    assert set(contracts.LOCATION_PARAMETERS) <= set(declared)
    assert "Default" not in declared["TemplateBucketName"]
    for name, kind in [
        ("VPCID", "AWS::EC2::VPC::Id"),
        ("PublicSubnet1ID", "AWS::EC2::Subnet::Id"),
        ("PrivateSubnet1ID", "AWS::EC2::Subnet::Id"),
        ("PrivateSubnet2ID", "AWS::EC2::Subnet::Id"),
    ]:
        assert declared[name]["Type"] == kind and "Default" not in declared[name]
    # ... and modern-dw hands it the location and the new VPC.
    passed = catalog.resources(ROOT)["WorkloadStack"]["Properties"]["Parameters"]
    assert all(passed[name] == {"Ref": name} for name in contracts.LOCATION_PARAMETERS)
    assert passed["VPCID"] == {"Ref": "VPC"}
    assert passed["PublicSubnet1ID"] == {"Ref": "PublicSubnet1"}
    assert (passed["PrivateSubnet1ID"], passed["PrivateSubnet2ID"]) == (
        {"Ref": "PrivateSubnet1"},
        {"Ref": "PrivateSubnet2"},
    )


def test_entry_point_builds_a_two_az_vpc_with_nat_and_waits_for_its_routes():
    resources = catalog.resources(ROOT)
    assert len(resources_of_type(ROOT, "AWS::EC2::NatGateway")) == 2
    subnets = resources_of_type(ROOT, "AWS::EC2::Subnet")
    assert set(subnets) == {"PublicSubnet1", "PublicSubnet2", "PrivateSubnet1", "PrivateSubnet2"}
    assert {json.dumps(s["Properties"]["AvailabilityZone"]) for s in subnets.values()} == {
        json.dumps({"Fn::Select": [i, {"Fn::GetAZs": ""}]}) for i in (0, 1)
    }
    depends = resources["WorkloadStack"]["DependsOn"]
    assert {"PrivateRouteTable1DefaultRoute", "PrivateRouteTable2DefaultRoute", "PublicDefaultRoute"} <= set(depends)


def test_original_parameter_names_are_kept_on_both_entry_points_and_passed_through():
    for name in (ROOT, WORKLOAD):
        assert set(ORIGINAL_PARAMETERS) <= set(params(name))
    passed = catalog.resources(ROOT)["WorkloadStack"]["Properties"]["Parameters"]
    assert all(passed[name] == {"Ref": name} for name in ORIGINAL_PARAMETERS)
    assert params(ROOT)["KeyPairName"]["Default"] == "" and params(ROOT)["HostedZoneName"]["Default"] == ""


@pytest.mark.parametrize("name", [ROOT, WORKLOAD])
def test_entry_points_resolve_their_outputs_through_child_outputs(name):
    declared = outputs(name)
    assert set(declared) >= ENTRY_OUTPUTS
    for output in ENTRY_OUTPUTS:
        assert list(contracts.output_references(declared[output])), output
    assert declared["TableauServerURL"]["Value"] == {
        "Fn::GetAtt": ["WorkloadStack" if name == ROOT else "TableauServerStack", "Outputs.TableauServerURL"]
    }


# --- secrets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TREE)
def test_no_password_property_anywhere(name):
    """Passwords are managed by the services or kept in Secrets Manager: no resource takes one.

    (A nested stack receiving the NoEcho ContentAdminPassword parameter is checked below.)"""
    for logical_id, resource in catalog.resources(name).items():
        properties = dict(resource.get("Properties", {}))
        if resource["Type"] == "AWS::CloudFormation::Stack":
            properties.pop("Parameters", None)
        for path, _ in walk(properties):
            keys = [k for k in path if isinstance(k, str)]
            assert not [k for k in keys if "Password" in k and not k.startswith(("Manage", "MasterPasswordSecret"))], (
                logical_id,
                path,
            )


@pytest.mark.parametrize("name", TREE)
def test_secret_parameters_are_no_echo_without_a_real_default(name):
    declared = params(name)
    for parameter in SECRET_PARAMETERS & set(declared):
        assert declared[parameter]["NoEcho"] is True
    for parameter, spec in declared.items():
        if spec.get("NoEcho"):
            assert parameter in SECRET_PARAMETERS
            assert spec.get("Default", "") == "", parameter  # only "no license key" (trial) has a default
    if "ContentAdminPassword" in declared:
        assert "Default" not in declared["ContentAdminPassword"]
        assert declared["ContentAdminPassword"]["MinLength"] == 8


@pytest.mark.parametrize("name", TREE)
def test_secret_parameters_reach_only_secrets_manager_or_a_nested_stack(name):
    for logical_id, resource in catalog.resources(name).items():
        for parameter in SECRET_PARAMETERS:
            for path in references(resource, parameter):
                where = (resource["Type"], path[:2])
                assert where in {
                    ("AWS::SecretsManager::Secret", ("Properties", "SecretString")),
                    ("AWS::CloudFormation::Stack", ("Properties", "Parameters")),
                }, (logical_id, parameter, path)


def test_tableau_secret_is_encrypted_and_only_its_instance_reads_it():
    resources = catalog.resources("modern-dw-tableau")
    secret = resources["TableauServerSecret"]["Properties"]
    assert secret["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    assert "${ContentAdminPassword}" in secret["SecretString"]["Fn::Sub"]
    assert references(resources["TableauServerSecret"], "ContentAdminPassword") == [
        ("Properties", "SecretString", "Fn::Sub")
    ]
    statements = resources["TableauServerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[0] == {
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [{"Ref": "TableauServerSecret"}],
    }
    assert statements[1]["Action"] == ["kms:Decrypt"] and "kms:ViaService" in statements[1]["Condition"]["StringEquals"]


def test_tableau_user_data_reads_the_secret_and_holds_no_secret():
    data = catalog.resources("modern-dw-tableau")["TableauServerLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    script, variables = data["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert script.startswith("<powershell>") and script.rstrip().endswith("</powershell>")
    assert "Get-SECSecretValue -SecretId '${TableauServerSecret}'" in script
    assert not SECRET_PARAMETERS & set(re.findall(r"\$\{(\w+)\}", script))
    assert "TableauServer-64bit-" in script and "${TableauServerVersion}" in script
    assert "${TableauServerInstallerBaseUrl}" in script
    assert "cfn-signal.exe" in script
    # registration values are quoted for PowerShell: every ' doubled
    assert variables["RegLastName"] == {"Fn::Join": ["''", {"Fn::Split": ["'", {"Ref": "RegLastName"}]}]}


def tableau_script():
    data = catalog.resources("modern-dw-tableau")["TableauServerLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    return data["UserData"]["Fn::Base64"]["Fn::Sub"][0]


def test_tableau_signals_success_only_after_tsm_reports_the_server_running():
    lines = [line.strip() for line in tableau_script().splitlines()]
    successes = [i for i, line in enumerate(lines) if line.startswith("Send-Signal 0")]
    assert len(successes) == 1, "exactly one success signal"
    [success] = successes
    body = lines[lines.index("try {") : success]
    # no way out of the try block before the success signal other than an exception
    assert not any(re.match(r"(return|exit)\b", line) for line in body)
    status = [i for i, line in enumerate(body) if "(& $script:tsm status)" in line]
    assert status, "tsm status is checked"
    check = body[status[0] + 1]
    assert "-notmatch 'RUNNING'" in check and "throw" in check
    order = ["licenses activate", "register --file", "initialize --start-server", "initialuser", "tsm status)"]
    positions = [next(i for i, line in enumerate(body) if step in line) for step in order]
    assert positions == sorted(positions)
    failure = [line for line in lines[success:] if line.startswith("Send-Signal 1")]
    assert len(failure) == 1 and "$reason" in failure[0]


def test_tableau_without_a_key_activates_a_trial_or_fails_with_the_reason():
    script = tableau_script()
    trial = script[script.index("licenses activate -t") :].splitlines()[1]
    assert "if ($LASTEXITCODE)" in trial and "throw" in trial and "Send-Signal 0" not in trial
    assert "TableauServerLicenseKey" in trial


def test_tableau_fails_when_no_tabcmd_can_create_the_administrator():
    lines = [line.strip() for line in tableau_script().splitlines()]
    assert "if (-not $tabcmd) { throw 'tabcmd not found: the initial administrator could not be created' }" in lines
    assert any("TableauServerTabcmd-64bit-" in line for line in lines)  # fetched beside the server installer
    initial = next(i for i, line in enumerate(lines) if "initialuser" in line)
    assert lines[initial - 1].startswith("if (-not $tabcmd) { throw")  # never skipped
    assert "throw" in lines[initial + 1]


# --- databases ----------------------------------------------------------------------------------


def test_redshift_is_encrypted_private_tls_only_with_a_managed_password():
    resources = catalog.resources("modern-dw-redshift")
    cluster = resources["RedshiftCluster"]
    assert has_properties(
        cluster["Properties"],
        {
            "Encrypted": True,
            "KmsKeyId": {"Ref": "KmsKeyArn"},
            "PubliclyAccessible": False,
            "EnhancedVpcRouting": True,
            "ManageMasterPassword": True,
            "MasterPasswordSecretKmsKeyId": {"Ref": "KmsKeyArn"},
            "NodeType": {"Ref": "RedshiftNodeType"},
            "MasterUsername": {"Ref": "RedshiftUsername"},
            "DBName": {"Ref": "RedshiftDatabaseName"},
            "ClusterSubnetGroupName": {"Ref": "RedshiftSubnetGroup"},
            "ClusterParameterGroupName": {"Ref": "RedshiftParameterGroup"},
            "LoggingProperties": {"LogDestinationType": "cloudwatch"},
        },
    )
    assert "MasterUserPassword" not in cluster["Properties"]
    assert cluster["DeletionPolicy"] == "Snapshot"
    assert {"ParameterName": "require_ssl", "ParameterValue": "true"} in resources["RedshiftParameterGroup"][
        "Properties"
    ]["Parameters"]
    assert resources["RedshiftSubnetGroup"]["Properties"]["SubnetIds"] == [
        {"Ref": "PrivateSubnet1ID"},
        {"Ref": "PrivateSubnet2ID"},
    ]
    node_type = params("modern-dw-redshift")["RedshiftNodeType"]
    assert node_type["Default"] == "ra3.xlplus" and all(v.startswith("ra3.") for v in node_type["AllowedValues"])
    assert outputs("modern-dw-redshift")["SecretArn"]["Value"] == {
        "Fn::GetAtt": ["RedshiftCluster", "MasterPasswordSecretArn"]
    }


def test_single_node_redshift_is_conditional_and_big_nodes_need_two():
    doc = catalog.template_dict("modern-dw-redshift")
    cluster = doc["Resources"]["RedshiftCluster"]["Properties"]
    assert cluster["ClusterType"] == {"Fn::If": ["IsSingleNode", "single-node", "multi-node"]}
    assert doc["Conditions"]["IsSingleNode"] == {"Fn::Equals": [{"Ref": "RedshiftNumberOfNodes"}, "1"]}
    for name in ("modern-dw-redshift", WORKLOAD, ROOT):
        rule = catalog.template_dict(name)["Rules"]["RedshiftNodeCountFitsNodeType"]
        assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftNumberOfNodes"}, "1"]}]}


def test_rds_takes_the_postgres_major_version_and_pins_no_minor_version_anywhere_in_the_tree():
    for name in ("modern-dw-rds", WORKLOAD, ROOT):
        assert "RDSEngineVersion" not in params(name), name
    assert catalog.resources("modern-dw-rds")["RDSInstance"]["Properties"]["EngineVersion"] == "16"


def test_rds_is_postgres_16_encrypted_private_with_a_managed_password():
    resources = catalog.resources("modern-dw-rds")
    instance = resources["RDSInstance"]
    assert has_properties(
        instance["Properties"],
        {
            "Engine": "postgres",
            "EngineVersion": "16",
            "AutoMinorVersionUpgrade": True,
            "StorageEncrypted": True,
            "KmsKeyId": {"Ref": "KmsKeyArn"},
            "PubliclyAccessible": False,
            "ManageMasterUserPassword": True,
            "MasterUserSecret": {"KmsKeyId": {"Ref": "KmsKeyArn"}},
            "MultiAZ": {"Ref": "RDSMultiAZ"},
            "DeletionProtection": {"Ref": "RDSDeletionProtection"},
            "BackupRetentionPeriod": {"Ref": "RDSBackupRetentionDays"},
            "EnableIAMDatabaseAuthentication": True,
            "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
            "DBSubnetGroupName": {"Ref": "RDSSubnetGroup"},
        },
    )
    assert "MasterUserPassword" not in instance["Properties"]
    assert instance["DeletionPolicy"] == "Snapshot"
    assert resources["RDSParameterGroup"]["Properties"]["Parameters"]["rds.force_ssl"] == "1"
    declared = params("modern-dw-rds")
    assert resources["RDSParameterGroup"]["Properties"]["Family"] == "postgres16"
    assert {v.split(".")[1] for v in declared["RDSInstanceClass"]["AllowedValues"]} == {"m6i", "m7g", "r6i", "t4g"}
    assert declared["RDSMultiAZ"]["AllowedValues"] == ["true", "false"]
    assert outputs("modern-dw-rds")["SecretArn"]["Value"] == {
        "Fn::GetAtt": ["RDSInstance", "MasterUserSecret.SecretArn"]
    }


@pytest.mark.parametrize(("name", "group", "port"), [("modern-dw-redshift", "RedshiftSecurityGroup", 5439),
                                                      ("modern-dw-rds", "RDSSecurityGroup", 5432)])  # fmt: skip
def test_databases_admit_only_the_sql_worker_and_tableau(name, group, port):
    ingress = catalog.resources(name)[group]["Properties"]["SecurityGroupIngress"]
    assert sorted(json.dumps(rule["SourceSecurityGroupId"]) for rule in ingress) == [
        json.dumps({"Ref": "SqlWorkerSecurityGroupId"}),
        json.dumps({"Ref": "TableauServerSecurityGroupId"}),
    ]
    assert all((rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", port, port) for rule in ingress)
    assert not [rule for rule in ingress if "CidrIp" in rule or "CidrIpv6" in rule]


def test_workload_passes_its_client_groups_to_both_databases():
    resources = catalog.resources(WORKLOAD)
    for stack in ("RedshiftStack", "RDSStack"):
        passed = resources[stack]["Properties"]["Parameters"]
        assert passed["SqlWorkerSecurityGroupId"] == {"Fn::GetAtt": ["SqlWorkerSecurityGroup", "GroupId"]}
        assert passed["TableauServerSecurityGroupId"] == {"Fn::GetAtt": ["TableauServerSecurityGroup", "GroupId"]}
        assert passed["KmsKeyArn"] == {"Fn::GetAtt": ["IamStack", "Outputs.KmsKeyArn"]}


# --- network exposure ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", TREE)
def test_no_security_group_is_open_to_the_world(name):
    for path, value in walk(catalog.resources(name)):
        if path and path[-1] in ("CidrIp", "CidrIpv6") and "SecurityGroupIngress" in path:
            assert value not in ("0.0.0.0/0", "::/0"), path
    for resource in resources_of_type(name, "AWS::EC2::SecurityGroupIngress").values():
        assert resource["Properties"].get("CidrIp") != "0.0.0.0/0"


def test_tableau_is_reachable_only_from_its_inbound_cidr_and_the_sql_worker_not_at_all():
    resources = catalog.resources(WORKLOAD)
    ingress = resources["TableauServerSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert sorted(rule["FromPort"] for rule in ingress) == [80, 443, 8850]
    assert all(
        rule["CidrIp"] == {"Ref": "TableauServerInboundCIDR"} and rule["FromPort"] == rule["ToPort"] for rule in ingress
    )
    assert "SecurityGroupIngress" not in resources["SqlWorkerSecurityGroup"]["Properties"]
    for name in (ROOT, WORKLOAD):
        rule = catalog.template_dict(name)["Rules"]["TableauServerNotOpenToTheWorld"]
        assert rule["Assertions"][0]["Assert"] == {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "TableauServerInboundCIDR"}, "0.0.0.0/0"]}]
        }
        assert "Default" not in params(name)["TableauServerInboundCIDR"]


@pytest.mark.parametrize(("name", "instance", "template"), [("modern-dw-sqlworker", "SqlWorkerInstance", "SqlWorkerLaunchTemplate"),
                                                            ("modern-dw-tableau", "TableauServerInstance", "TableauServerLaunchTemplate")])  # fmt: skip
def test_instances_use_session_manager_imdsv2_encrypted_volumes_and_signal(name, instance, template):
    resources = catalog.resources(name)
    data = resources[template]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert all(device["Ebs"]["Encrypted"] is True for device in data["BlockDeviceMappings"])
    assert data["KeyName"] == {"Fn::If": ["HasKeyPair", {"Ref": "KeyPairName"}, {"Ref": "AWS::NoValue"}]}
    role = next(iter(resources_of_type(name, "AWS::IAM::Role").values()))
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"} in role["Properties"][
        "ManagedPolicyArns"
    ]
    assert resources[instance]["CreationPolicy"]["ResourceSignal"]["Count"] == 1
    assert params(name)["KeyPairName"]["Default"] == ""
    assert "Session Manager" in sys.modules[catalog.specs()[name].module].__doc__


def test_amis_come_from_public_ssm_parameters():
    assert params("modern-dw-sqlworker")["LatestAmiId"]["Default"].startswith(
        "/aws/service/ami-amazon-linux-latest/al2023-ami-"
    )
    windows = params("modern-dw-tableau")["LatestWindowsAmiId"]
    assert windows["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
    assert windows["Default"] == "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
    instance_type = params("modern-dw-tableau")["TableauServerInstanceType"]
    assert instance_type["Default"] == "m6i.4xlarge"


# --- SQL worker ---------------------------------------------------------------------------------


def test_sql_worker_reads_only_the_two_managed_secrets():
    resources = catalog.resources("modern-dw-sqlworker")
    statements = resources["SqlWorkerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[0] == {
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [{"Ref": "RedshiftSecretArn"}, {"Ref": "RDSSecretArn"}],
    }
    assert statements[1]["Action"] == ["kms:Decrypt"] and statements[1]["Resource"] == [{"Ref": "KmsKeyArn"}]
    passed = catalog.resources(WORKLOAD)["SqlWorkerStack"]["Properties"]["Parameters"]
    assert passed["RedshiftSecretArn"] == {"Fn::GetAtt": ["RedshiftStack", "Outputs.SecretArn"]}
    assert passed["RDSSecretArn"] == {"Fn::GetAtt": ["RDSStack", "Outputs.SecretArn"]}


def test_sql_worker_loads_the_dataset_only_when_asked():
    doc = catalog.template_dict("modern-dw-sqlworker")
    init = doc["Resources"]["SqlWorkerInstance"]["Metadata"]["AWS::CloudFormation::Init"]
    assert init["configSets"]["setup"] == {"Fn::If": ["LoadDatasetCondition", ["install", "load"], ["install"]]}
    assert doc["Conditions"]["LoadDatasetCondition"] == {"Fn::Equals": [{"Ref": "LoadDataset"}, "true"]}
    script = init["load"]["files"]["/opt/modern-dw/load.sh"]["content"]["Fn::Sub"]
    assert "get-secret-value" in script and "${RedshiftSecretArn}" in script and "${RDSSecretArn}" in script
    assert "PGSSLMODE=require" in script
    redshift_sql = init["load"]["files"]["/opt/modern-dw/redshift.sql"]["content"]["Fn::Sub"]
    assert redshift_sql.count("iam_role '${RedshiftRoleArn}'") == 7
    user_data = doc["Resources"]["SqlWorkerLaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]
    text = user_data["Fn::Base64"]["Fn::Sub"]
    assert "cfn-init" in text and "cfn-signal" in text and len(text) < 1024
    assert "Password" not in text and "password" not in text


def test_redshift_role_reads_only_the_dataset_prefix():
    role = catalog.resources("modern-dw-iam")["RedshiftRole"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[0]["Action"] == ["s3:GetObject"]
    assert statements[0]["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:s3:::${DatasetS3BucketName}/${DatasetS3KeyPrefix}*"}
    ]
    assert statements[1]["Action"] == ["s3:ListBucket"] and "s3:prefix" in statements[1]["Condition"]["StringLike"]


# --- DNS ----------------------------------------------------------------------------------------


def test_route53_records_only_with_a_hosted_zone():
    doc = catalog.template_dict(WORKLOAD)
    assert doc["Resources"]["DnsStack"]["Condition"] == "HasHostedZone"
    assert doc["Conditions"]["HasHostedZone"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "HostedZoneName"}, ""]}]}
    assert doc["Outputs"]["RedshiftPrivateName"]["Value"] == {
        "Fn::If": [
            "HasHostedZone",
            {"Fn::GetAtt": ["DnsStack", "Outputs.RedshiftPrivateName"]},
            {"Fn::GetAtt": ["RedshiftStack", "Outputs.EndpointAddress"]},
        ]
    }
    records = resources_of_type("modern-dw-dns", "AWS::Route53::RecordSet")
    assert {r["Properties"]["Name"]["Fn::Sub"]: r["Properties"]["Type"] for r in records.values()} == {
        "tableau.${HostedZoneName}": "A",
        "sqlworker.${HostedZoneName}": "A",
        "redshift.${HostedZoneName}": "CNAME",
        "rds.${HostedZoneName}": "CNAME",
    }
    assert all(r["Properties"]["HostedZoneName"] == {"Fn::Sub": "${HostedZoneName}."} for r in records.values())


def test_tableau_has_its_public_address_before_it_boots():
    """The public subnet has no NAT: the installer download needs the Elastic IP at boot."""
    resources = catalog.resources("modern-dw-tableau")
    instance = resources["TableauServerInstance"]
    assert instance["DependsOn"] == ["TableauServerEIPAssociation"]
    assert instance["Properties"]["NetworkInterfaces"] == [
        {"DeviceIndex": "0", "NetworkInterfaceId": {"Ref": "TableauServerNetworkInterface"}}
    ]
    assert resources["TableauServerEIPAssociation"]["Properties"]["NetworkInterfaceId"] == {
        "Ref": "TableauServerNetworkInterface"
    }
    assert resources["TableauServerNetworkInterface"]["Properties"]["GroupSet"] == [{"Ref": "SecurityGroupId"}]
