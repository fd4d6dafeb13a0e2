"""The CJIS reference environment: the controls matrix and the intent of the tree."""

import pytest
from conftest import has_properties, resources_of_type
from troposphere import Template
from troposphere.s3 import Bucket

from cfn_catalog import catalog, cjis

ROOT = "cjis-reference"
CHILDREN = {
    "LoggingStack": "cjis-logging",
    "IamStack": "cjis-iam",
    "ConfigStack": "cjis-config",
    "ManagementVpcStack": "cjis-management-vpc",
    "ProductionVpcStack": "cjis-production-vpc",
    "ApplicationStack": "cjis-application",
    "DatabaseStack": "cjis-database",
}
WORLD = {"0.0.0.0/0", "::/0"}


def tree_resources(rtype):
    return {(name, k): v for name in catalog.tree(ROOT) for k, v in resources_of_type(name, rtype).items()}


def catalog_matrix():
    return cjis.controls_matrix({name: catalog.template_dict(name) for name in catalog.names()})


# --- the controls matrix -----------------------------------------------------------------------


def test_every_control_area_has_at_least_one_resource_in_the_catalog():
    matrix = catalog_matrix()
    assert cjis.uncovered_areas(matrix) == []
    for area in cjis.CONTROL_AREAS:
        assert any(matrix[area].values()), area


def test_only_known_control_areas_are_recorded():
    assert cjis.unknown_areas(catalog_matrix()) == []


def test_the_reference_tree_alone_covers_every_area():
    matrix = cjis.controls_matrix({name: catalog.template_dict(name) for name in catalog.tree(ROOT)})
    assert cjis.uncovered_areas(matrix) == []
    assert set(cjis.CONTROL_AREAS) >= {"5.4", "5.5", "5.6", "5.7", "5.10"}


def test_matrix_lists_templates_and_logical_ids_and_shows_gaps_and_unknown_areas():
    docs = {
        "b": {"Resources": {"Z": {"Type": "X", "Metadata": {"cjis": {"controls": ["5.10", "5.4"]}}}}},
        "a": {
            "Resources": {
                "Y": {"Type": "X", "Metadata": {"cjis": {"controls": ["5.4"]}}},
                "Odd": {"Type": "X", "Metadata": {"cjis": {"controls": ["9.9"]}}},
                "Plain": {"Type": "X"},
            }
        },
    }
    matrix = cjis.controls_matrix(docs)
    assert list(matrix) == [*cjis.CONTROL_AREAS, "9.9"]
    assert matrix["5.4"] == {"a": ["Y"], "b": ["Z"]}
    assert matrix["5.10"] == {"b": ["Z"]}
    assert matrix["5.5"] == {}
    assert cjis.uncovered_areas(matrix) == ["5.5", "5.6", "5.7"]
    assert cjis.unknown_areas(matrix) == ["9.9"]


def test_controls_helper_merges_areas_keeps_other_metadata_and_rejects_unknown_ones():
    t = Template()
    bucket = t.add_resource(Bucket("B", Metadata={"checkov": {"skip": []}}))
    assert cjis.controls(bucket, "5.10") is bucket
    cjis.controls(bucket, "5.4", "5.10")
    assert t.to_dict()["Resources"]["B"]["Metadata"] == {"checkov": {"skip": []}, "cjis": {"controls": ["5.4", "5.10"]}}
    with pytest.raises(ValueError, match=r"5\.99"):
        cjis.controls(bucket, "5.99")
    with pytest.raises(ValueError):
        cjis.controls(bucket)


# --- the tree ----------------------------------------------------------------------------------


def test_root_nests_the_cjis_children_and_passes_the_template_location():
    assert catalog.child_stacks(ROOT) == CHILDREN
    assert catalog.tree(ROOT)[0] == ROOT and set(catalog.tree(ROOT)[1:]) == set(CHILDREN.values())
    params = catalog.template_dict(ROOT)["Parameters"]
    assert {"TemplateBucketName", "AlarmEmail", "CertificateArn", "DatabaseEngine", "DatabaseInstanceClass"} <= set(
        params
    )
    assert params["ManagementVpcCidr"]["Default"] == "10.10.0.0/16"
    assert params["ProductionVpcCidr"]["Default"] == "10.20.0.0/16"
    assert "Default" not in params["AlarmEmail"] and "Default" not in params["CertificateArn"]


def test_cloudtrail_covers_all_regions_validates_and_encrypts_into_the_log_bucket():
    ((_, trail),) = tree_resources("AWS::CloudTrail::Trail").items()
    assert has_properties(
        trail["Properties"],
        {
            "IsLogging": True,
            "IsMultiRegionTrail": True,
            "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True,
            "S3BucketName": {"Ref": "LogBucket"},
            "KMSKeyId": {"Fn::GetAtt": ["LogKey", "Arn"]},
            "CloudWatchLogsLogGroupArn": {"Fn::GetAtt": ["TrailLogGroup", "Arn"]},
        },
    )
    assert trail["DependsOn"] == ["LogBucketPolicy"]


def test_log_bucket_is_kms_encrypted_versioned_and_access_logged_into_a_second_bucket():
    resources = catalog.resources("cjis-logging")
    log = resources["LogBucket"]["Properties"]
    rule = log["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["LogKey", "Arn"]}}
    assert log["VersioningConfiguration"] == {"Status": "Enabled"}
    assert log["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
    access = resources["AccessLogBucket"]["Properties"]
    # S3 server access logs and ALB access logs are delivered only to SSE-S3 buckets.
    default = access["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert default == {"SSEAlgorithm": "AES256"}
    assert access["VersioningConfiguration"] == {"Status": "Enabled"}
    for name in ("LogBucket", "AccessLogBucket"):
        assert resources[name]["DeletionPolicy"] == "Retain"
        statements = resources[f"{name}Policy"]["Properties"]["PolicyDocument"]["Statement"]
        assert statements[0]["Effect"] == "Deny"
        assert statements[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    log_sids = {s["Sid"] for s in resources["LogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]}
    assert {"CloudTrailAclCheck", "CloudTrailWrite"} <= log_sids


def test_every_kms_key_rotates_and_the_log_key_serves_cloudtrail_and_cloudwatch_logs():
    keys = tree_resources("AWS::KMS::Key")
    assert {name for name, _ in keys} == {"cjis-logging", "cjis-database"}
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True
    statements = keys[("cjis-logging", "LogKey")]["Properties"]["KeyPolicy"]["Statement"]
    services = set()
    for statement in statements:
        for service in statement["Principal"].get("Service", []) if isinstance(statement["Principal"], dict) else []:
            services.add(service if isinstance(service, str) else service["Fn::Sub"])
    assert {"cloudtrail.amazonaws.com", "logs.${AWS::Region}.amazonaws.com", "cloudwatch.amazonaws.com"} <= services


def test_audit_log_groups_are_encrypted_and_kept_at_least_a_year():
    groups = tree_resources("AWS::Logs::LogGroup")
    assert {("cjis-logging", "TrailLogGroup"), ("cjis-logging", "SessionLogGroup")} <= set(groups)
    for (name, logical_id), group in groups.items():
        assert "KmsKeyId" in group["Properties"], (name, logical_id)
        retention = catalog.template_dict(name)["Parameters"][group["Properties"]["RetentionInDays"]["Ref"]]
        assert min(int(v) for v in retention["AllowedValues"]) >= 365


def test_config_records_everything_and_evaluates_the_cjis_rules():
    resources = catalog.resources("cjis-config")
    recorder = resources["ConfigRecorder"]
    assert recorder["Properties"]["RecordingGroup"]["AllSupported"] is True
    rules = {
        r["Properties"]["Source"]["SourceIdentifier"]
        for r in resources_of_type("cjis-config", "AWS::Config::ConfigRule").values()
    }
    assert {
        "ENCRYPTED_VOLUMES",
        "RDS_STORAGE_ENCRYPTED",
        "S3_BUCKET_SSL_REQUESTS_ONLY",
        "CLOUD_TRAIL_ENABLED",
        "RESTRICTED_INCOMING_TRAFFIC",
        "INCOMING_SSH_DISABLED",
        "IAM_PASSWORD_POLICY",
        "MULTI_REGION_CLOUD_TRAIL_ENABLED",
        "VPC_FLOW_LOGS_ENABLED",
    } <= rules
    for rule in resources_of_type("cjis-config", "AWS::Config::ConfigRule").values():
        assert rule["DependsOn"] == ["ConfigRecorderReady"]
        assert rule["Properties"]["Source"]["Owner"] == "AWS"
    ready = resources["ConfigRecorderReady"]["Metadata"]
    assert ready["Recorder"] == {"Fn::If": ["CreateConfigRecorder", {"Ref": "ConfigRecorder"}, ""]}


def _world_open_ports(rule):
    if rule.get("CidrIp") not in WORLD and rule.get("CidrIpv6") not in WORLD:
        return None
    if str(rule.get("IpProtocol")) in ("-1", "all"):
        return range(0, 65536)
    return range(int(rule["FromPort"]), int(rule["ToPort"]) + 1)


def test_no_security_group_admits_ssh_or_rdp_from_anywhere():
    rules = []
    for (name, logical_id), group in tree_resources("AWS::EC2::SecurityGroup").items():
        rules += [((name, logical_id), r) for r in group["Properties"].get("SecurityGroupIngress", [])]
    rules += [(key, r["Properties"]) for key, r in tree_resources("AWS::EC2::SecurityGroupIngress").items()]
    assert rules
    open_to_world = {}
    for key, rule in rules:
        ports = _world_open_ports(rule)
        if ports is not None:
            assert 22 not in ports and 3389 not in ports, key
            open_to_world.setdefault(key, set()).update(ports)
    assert open_to_world == {("cjis-application", "LoadBalancerSecurityGroup"): {80, 443}}


def test_https_listener_uses_the_certificate_and_tls13_policy_and_http_only_redirects():
    resources = catalog.resources("cjis-application")
    https = resources["HttpsListener"]["Properties"]
    assert has_properties(
        https,
        {
            "LoadBalancerArn": {"Ref": "LoadBalancer"},
            "Port": 443,
            "Protocol": "HTTPS",
            "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "Certificates": [{"CertificateArn": {"Ref": "CertificateArn"}}],
        },
    )
    redirect = resources["HttpRedirectListener"]["Properties"]
    assert redirect["Port"] == 80
    assert redirect["DefaultActions"] == [
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    ]
    alb = resources["LoadBalancer"]["Properties"]
    attributes = {a["Key"]: a["Value"] for a in alb["LoadBalancerAttributes"]}
    assert alb["Scheme"] == "internet-facing"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == {"Ref": "AccessLogBucketName"}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"


def test_waf_web_acl_with_managed_rule_groups_is_associated_with_the_load_balancer():
    resources = catalog.resources("cjis-application")
    association = resources["WebAclAssociation"]["Properties"]
    assert association == {"ResourceArn": {"Ref": "LoadBalancer"}, "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]}}
    acl = resources["WebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    groups = [
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    ]
    assert groups == [
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    ]
    logging = resources["WafLogging"]
    assert logging["Condition"] == "EnableWafLogging"
    assert resources["WafLogGroup"]["Properties"]["LogGroupName"] == {"Fn::Sub": "aws-waf-logs-${AWS::StackName}"}


def test_tiers_scale_from_imdsv2_launch_templates_with_encrypted_volumes_and_alarm():
    resources = catalog.resources("cjis-application")
    for tier in ("Web", "App"):
        data = resources[f"{tier}LaunchTemplate"]["Properties"]["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required"
        assert all(m["Ebs"]["Encrypted"] is True for m in data["BlockDeviceMappings"])
        asg = resources[f"{tier}AutoScalingGroup"]["Properties"]
        assert asg["LaunchTemplate"]["LaunchTemplateId"] == {"Ref": f"{tier}LaunchTemplate"}
        assert asg["VPCZoneIdentifier"] == {"Ref": "AppSubnetIds"}
        assert {"Key": "cjis-environment", "Value": {"Ref": "EnvironmentName"}, "PropagateAtLaunch": True} in asg[
            "Tags"
        ]
        policy = resources[f"{tier}CpuScalingPolicy"]["Properties"]
        assert policy["PolicyType"] == "TargetTrackingScaling"
        assert policy["AutoScalingGroupName"] == {"Ref": f"{tier}AutoScalingGroup"}
    assert not tree_resources("AWS::AutoScaling::LaunchConfiguration")
    for alarm in resources_of_type("cjis-application", "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]


def test_session_manager_admin_access_is_scoped_to_the_environment_tag():
    statements = catalog.resources("cjis-iam")["SessionManagerAdminPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    start = next(s for s in statements if s["Sid"] == "StartSessionOnEnvironmentInstances")
    assert start["Action"] == ["ssm:StartSession"]
    assert start["Condition"] == {"StringEquals": {"ssm:resourceTag/cjis-environment": {"Ref": "EnvironmentName"}}}
    role = catalog.resources("cjis-iam")["ServerRole"]["Properties"]
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"} in role[
        "ManagedPolicyArns"
    ]
    preferences = catalog.resources("cjis-iam")["SessionManagerPreferences"]["Properties"]["Content"]["inputs"]
    assert preferences["cloudWatchEncryptionEnabled"] is True
    assert int(preferences["idleSessionTimeout"]) <= 30


def test_database_is_encrypted_multi_az_private_and_has_no_plaintext_password():
    database = catalog.resources("cjis-database")["Database"]
    assert database["DeletionPolicy"] == "Snapshot"
    props = database["Properties"]
    assert has_properties(
        props,
        {
            "StorageEncrypted": True,
            "KmsKeyId": {"Fn::GetAtt": ["DatabaseKey", "Arn"]},
            "MultiAZ": True,
            "PubliclyAccessible": False,
            "ManageMasterUserPassword": True,
            "MasterUserSecret": {"KmsKeyId": {"Fn::GetAtt": ["DatabaseKey", "Arn"]}},
            "EnableIAMDatabaseAuthentication": True,
            "DeletionProtection": {"Ref": "DeletionProtection"},
            "DBSubnetGroupName": {"Ref": "DatabaseSubnetGroup"},
        },
    )
    assert "MasterUserPassword" not in props
    assert props["BackupRetentionPeriod"] == {"Ref": "DatabaseBackupRetentionDays"}
    assert props["EnableCloudwatchLogsExports"]["Fn::If"][0] == "IsPostgres"
    subnets = catalog.resources("cjis-database")["DatabaseSubnetGroup"]["Properties"]["SubnetIds"]
    assert subnets == {"Ref": "DataSubnetIds"}
    root = catalog.resources(ROOT)["DatabaseStack"]["Properties"]["Parameters"]
    assert root["DataSubnetIds"] == {"Fn::GetAtt": ["ProductionVpcStack", "Outputs.DataSubnetIds"]}
    ingress = catalog.resources("cjis-database")["DatabaseSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert [r["SourceSecurityGroupId"] for r in ingress] == [{"Ref": "AppSecurityGroupId"}]


@pytest.mark.parametrize("name", ["cjis-management-vpc", "cjis-production-vpc"])
def test_vpcs_have_three_tiers_flow_logs_and_a_data_acl_admitting_only_the_app_subnets(name):
    resources = catalog.resources(name)
    subnets = resources_of_type(name, "AWS::EC2::Subnet")
    assert set(subnets) == {f"{tier}Subnet{i}" for tier in ("Public", "Private", "Data") for i in (1, 2)}
    flow = resources["FlowLog"]["Properties"]
    assert flow["TrafficType"] == "ALL" and flow["ResourceId"] == {"Ref": "VPC"}
    assert resources["FlowLogGroup"]["Properties"]["KmsKeyId"] == {"Ref": "LogKmsKeyArn"}
    entries = resources_of_type(name, "AWS::EC2::NetworkAclEntry")
    app_cidrs = [{"Fn::Select": [i, {"Fn::Cidr": [{"Ref": "VpcCidr"}, 6, 12]}]} for i in (2, 3)]
    inbound = [e["Properties"] for e in entries.values() if not e["Properties"]["Egress"]]
    outbound = [e["Properties"] for e in entries.values() if e["Properties"]["Egress"]]
    assert [e["CidrBlock"] for e in inbound] == app_cidrs
    assert all(e["PortRange"] == {"From": {"Ref": "DatabasePort"}, "To": {"Ref": "DatabasePort"}} for e in inbound)
    assert [e["CidrBlock"] for e in outbound] == app_cidrs
    assert all(e["PortRange"] == {"From": 1024, "To": 65535} for e in outbound)
    assert all(e["RuleAction"] == "allow" and e["Protocol"] == 6 for e in inbound + outbound)
    associations = resources_of_type(name, "AWS::EC2::SubnetNetworkAclAssociation").values()
    assert sorted(a["Properties"]["SubnetId"]["Ref"] for a in associations) == ["DataSubnet1", "DataSubnet2"]


def test_production_peers_with_management_and_routes_the_app_and_data_tiers_both_ways():
    resources = catalog.resources("cjis-production-vpc")
    peering = resources["ManagementPeering"]["Properties"]
    assert peering["VpcId"] == {"Ref": "VPC"} and peering["PeerVpcId"] == {"Ref": "ManagementVpcId"}
    routes = {k: v["Properties"] for k, v in resources_of_type("cjis-production-vpc", "AWS::EC2::Route").items()}
    peered = {k: r for k, r in routes.items() if "VpcPeeringConnectionId" in r}
    assert all(r["VpcPeeringConnectionId"] == {"Ref": "ManagementPeering"} for r in peered.values())
    to_management = {
        r["RouteTableId"]["Ref"] for r in peered.values() if r["DestinationCidrBlock"] == {"Ref": "ManagementVpcCidr"}
    }
    assert to_management == {"PrivateRouteTable1", "PrivateRouteTable2", "DataRouteTable"}
    to_production = [r["RouteTableId"] for r in peered.values() if r["DestinationCidrBlock"] == {"Ref": "VpcCidr"}]
    assert to_production == [{"Fn::Select": [i, {"Ref": "ManagementRouteTableIds"}]} for i in range(3)]
    management_tables = catalog.template_dict("cjis-management-vpc")["Outputs"]["PeeringRouteTableIds"]["Value"]
    assert len(management_tables["Fn::Join"][1]) == 3
    passed = catalog.resources(ROOT)["ProductionVpcStack"]["Properties"]["Parameters"]
    assert passed["ManagementRouteTableIds"] == {"Fn::GetAtt": ["ManagementVpcStack", "Outputs.PeeringRouteTableIds"]}
    assert passed["ManagementVpcId"] == {"Fn::GetAtt": ["ManagementVpcStack", "Outputs.VpcId"]}


def test_alarm_topic_is_encrypted_with_the_customer_key_and_subscribes_the_email():
    topic = catalog.resources("cjis-logging")["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["LogKey", "Arn"]}
    assert topic["Subscription"]["Fn::If"][1] == [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}]
    alarms = resources_of_type("cjis-logging", "AWS::CloudWatch::Alarm")
    assert {"RootAccountUsageAlarm", "UnauthorizedApiCallsAlarm", "CloudTrailChangesAlarm"} <= set(alarms)
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())


def test_mysql_is_8_4_by_default_with_a_matching_parameter_group_family_and_audit_option_group():
    doc = catalog.template_dict("cjis-database")
    version = doc["Parameters"]["DatabaseMysqlVersion"]
    assert (version["Default"], version["AllowedValues"]) == ("8.4", ["8.4", "8.0"])
    resources = doc["Resources"]
    props = resources["Database"]["Properties"]
    assert props["EngineVersion"] == {"Fn::If": ["IsPostgres", "16", {"Ref": "DatabaseMysqlVersion"}]}
    assert props["AutoMinorVersionUpgrade"] is True and props["AllowMajorVersionUpgrade"] is True
    family = resources["DatabaseParameterGroup"]["Properties"]["Family"]
    assert family == {"Fn::If": ["IsPostgres", "postgres16", {"Fn::Sub": "mysql${DatabaseMysqlVersion}"}]}
    options = resources["DatabaseAuditOptionGroup"]["Properties"]
    assert options["EngineName"] == "mysql" and options["MajorEngineVersion"] == {"Ref": "DatabaseMysqlVersion"}
    [audit] = options["OptionConfigurations"]
    assert audit["OptionName"] == "MARIADB_AUDIT_PLUGIN"
    assert "audit" in props["EnableCloudwatchLogsExports"]["Fn::If"][2]
    root = catalog.template_dict(ROOT)
    assert root["Parameters"]["DatabaseMysqlVersion"]["Default"] == "8.4"
    passed = root["Resources"]["DatabaseStack"]["Properties"]["Parameters"]["DatabaseMysqlVersion"]
    assert passed == {"Ref": "DatabaseMysqlVersion"}
