"""Intent of the Redshift templates (system-table export, its catalog, the Spectrum PoC),
asserted on the rendered data."""

import importlib
import re
from importlib import resources

from conftest import has_properties, resources_of_type

from cfn_catalog import catalog
from cfn_catalog.blocks.lambdas import inline_source
from cfn_catalog.functions import extract_rs_query_logs as job

EXPORT = "redshift-stl-export"
CATALOG = "redshift-stl-catalog"
POC = "redshift-spectrum-poc"


def sql_file(name):
    return resources.files("cfn_catalog.functions").joinpath(name).read_text(encoding="utf-8")


def statements(name, role):
    return catalog.resources(name)[role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def actions(name, role):
    return sorted(a for s in statements(name, role) for a in s["Action"])


def all_inline_statements(name):
    for resource in resources_of_type(name, "AWS::IAM::Role").values():
        for policy in resource["Properties"].get("Policies", []):
            yield from policy["PolicyDocument"]["Statement"]


def sub_text(value):
    return value["Fn::Sub"] if isinstance(value, dict) else value


# --- redshift-stl-export ---------------------------------------------------------------------


def test_export_keeps_the_original_parameter_names_and_types():
    params = catalog.template_dict(EXPORT)["Parameters"]
    assert params["S3Bucket"]["Type"] == "String"
    assert params["ExportEnabledRedshiftClusters"]["Type"] == "CommaDelimitedList"
    assert re.match(params["ExportEnabledRedshiftClusters"]["AllowedPattern"], "prod-cluster-1")
    assert not re.match(params["ExportEnabledRedshiftClusters"]["AllowedPattern"], "Prod_1")
    assert params["DataStoreSecurityGroups"]["Type"] == "List<AWS::EC2::SecurityGroup::Id>"
    assert params["ExportScheduleExpression"]["Default"] == "rate(10 minutes)"
    for expression in ("rate(1 minute)", "rate(10 minutes)", "cron(0/15 * * * ? *)"):
        assert re.match(params["ExportScheduleExpression"]["AllowedPattern"], expression)
    assert not re.match(params["ExportScheduleExpression"]["AllowedPattern"], "rate(1 minutes)")
    assert params["ClusterSecretPrefix"]["Default"] == "redshift-query-logs/"
    assert params["GlueConnectionSubnet"]["Type"] == "AWS::EC2::Subnet::Id"
    assert params["GlueConnectionAvailabilityZone"]["Type"] == "AWS::EC2::AvailabilityZone::Name"


def test_glue_subnet_requirements_are_stated_and_missing_endpoints_can_be_created():
    doc = catalog.template_dict(EXPORT)
    params = doc["Parameters"]
    subnet = params["GlueConnectionSubnet"]["Description"]
    for service in ("S3", "DynamoDB", "Glue", "CloudWatch Logs", "Secrets Manager", "STS"):
        assert service in subnet
    choice = params["CreateVpcEndpoints"]
    assert (choice["Default"], choice["AllowedValues"]) == ("none", ["none", "interface", "interface-and-gateway"])
    assert params["VpcId"]["Default"] == "" and params["GatewayEndpointRouteTableIds"]["Default"] == ""
    endpoints = resources_of_type(EXPORT, "AWS::EC2::VPCEndpoint")
    interface = {
        e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: e
        for e in endpoints.values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    }
    gateway = {
        e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: e
        for e in endpoints.values()
        if e["Properties"]["VpcEndpointType"] == "Gateway"
    }
    assert set(interface) == {"glue", "logs", "monitoring", "secretsmanager", "sts"}
    assert set(gateway) == {"s3", "dynamodb"}
    for endpoint in interface.values():
        assert endpoint["Condition"] == "CreatesInterfaceEndpoints"
        props = endpoint["Properties"]
        assert props["VpcId"] == {"Ref": "VpcId"} and props["PrivateDnsEnabled"] is True
        assert props["SubnetIds"] == [{"Ref": "GlueConnectionSubnet"}]
        assert props["SecurityGroupIds"] == {"Ref": "DataStoreSecurityGroups"}  # self-referencing: admits the job
    for endpoint in gateway.values():
        assert endpoint["Condition"] == "CreatesGatewayEndpoints"
        assert endpoint["Properties"]["RouteTableIds"] == {"Ref": "GatewayEndpointRouteTableIds"}
    conditions = doc["Conditions"]
    assert conditions["CreatesInterfaceEndpoints"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CreateVpcEndpoints"}, "none"]}]
    }
    assert conditions["CreatesGatewayEndpoints"] == {
        "Fn::Equals": [{"Ref": "CreateVpcEndpoints"}, "interface-and-gateway"]
    }
    rules = doc["Rules"]
    assert rules["VpcEndpointsNeedTheVpc"]["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "VpcId"}, ""]}]
    }
    assert rules["GatewayEndpointsNeedRouteTables"]["RuleCondition"] == conditions["CreatesGatewayEndpoints"]


def test_export_publishes_the_four_global_ssm_parameters():
    params = {
        r["Properties"]["Name"]: r["Properties"] for r in resources_of_type(EXPORT, "AWS::SSM::Parameter").values()
    }
    assert set(params) == {
        "redshift_query_logs.global.s3_prefix",
        "redshift_query_logs.global.tempdir",
        "redshift_query_logs.global.role",
        "redshift_query_logs.global.enabled_cluster_list",
    }
    assert params["redshift_query_logs.global.enabled_cluster_list"]["Type"] == "StringList"
    assert params["redshift_query_logs.global.enabled_cluster_list"]["Value"] == {
        "Fn::Join": [",", {"Ref": "ExportEnabledRedshiftClusters"}]
    }
    assert sub_text(params["redshift_query_logs.global.s3_prefix"]["Value"]) == (
        "s3://${S3Bucket}/extract_redshift_query_logs/data/"
    )
    assert sub_text(params["redshift_query_logs.global.tempdir"]["Value"]) == (
        "s3://${S3Bucket}/extract_redshift_query_logs/temp/"
    )


def test_tracking_table_is_keyed_as_the_job_reads_it_and_protected():
    (table,) = resources_of_type(EXPORT, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": job.CLUSTER_KEY, "KeyType": "HASH"},
        {"AttributeName": job.TABLE_KEY, "KeyType": "RANGE"},
    ]
    assert has_properties(
        props,
        {
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_glue_security_configuration_encrypts_s3_logs_and_bookmarks():
    for name in (EXPORT, CATALOG):
        (config,) = resources_of_type(name, "AWS::Glue::SecurityConfiguration").values()
        encryption = config["Properties"]["EncryptionConfiguration"]
        assert encryption["S3Encryptions"] == [{"S3EncryptionMode": "SSE-S3"}]
        assert encryption["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
        assert encryption["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"


def test_export_jobs_are_declared_per_cluster_with_the_script_asset_and_locations():
    jobs = catalog.resources(EXPORT)["ExportJobs"]
    assert jobs["Type"] == "Custom::RedshiftQueryLogsExportJobs"
    props = jobs["Properties"]
    assert props["ServiceToken"] == {"Fn::GetAtt": ["ProvisionExportJobs", "Arn"]}
    assert props["Clusters"] == {"Ref": "ExportEnabledRedshiftClusters"}
    assert props["PhysicalConnectionRequirements"] == {
        "SubnetId": {"Ref": "GlueConnectionSubnet"},
        "AvailabilityZone": {"Ref": "GlueConnectionAvailabilityZone"},
        "SecurityGroupIdList": {"Ref": "DataStoreSecurityGroups"},
    }
    settings = props["Job"]
    # the script is the template's published asset
    assert sub_text(settings["Command"]["ScriptLocation"]) == (
        "s3://${TemplateBucketName}/${TemplateKeyPrefix}assets/extract_rs_query_logs.py"
    )
    assert catalog.template_dict(EXPORT)["Metadata"]["cfn-catalog"] == {"Assets": ["extract_rs_query_logs.py"]}
    arguments = settings["DefaultArguments"]
    assert sub_text(arguments["--TempDir"]).endswith("/extract_redshift_query_logs/temp/")
    assert sub_text(arguments["--s3_prefix"]).endswith("/extract_redshift_query_logs/data/")
    assert arguments["--tracking_table"] == {"Ref": "TrackingTable"}
    assert settings["SecurityConfiguration"] == {"Ref": "GlueSecurityConfiguration"}
    assert settings["Role"] == {"Fn::GetAtt": ["GlueJobRole", "Arn"]}
    assert settings["GlueVersion"] == "5.0"
    # custom resource properties arrive as strings: nothing numeric is passed
    assert all(isinstance(v, (str, dict)) for v in settings.values())
    outputs = catalog.template_dict(EXPORT)["Outputs"]
    assert sub_text(outputs["ScriptLocation"]["Value"]) == sub_text(settings["Command"]["ScriptLocation"])


def test_functions_inline_their_real_modules():
    functions = resources_of_type(EXPORT, "AWS::Lambda::Function")
    assert functions["InvokeRsStlExportEtl"]["Properties"]["Code"]["ZipFile"] == inline_source(
        "invoke_rs_stl_export_etl"
    )
    assert functions["ProvisionExportJobs"]["Properties"]["Code"]["ZipFile"] == inline_source(
        "provision_rs_stl_export_jobs"
    )
    assert functions["InvokeRsStlExportEtl"]["Properties"]["Environment"]["Variables"] == {
        "CLUSTER_LIST_PARAMETER": {"Ref": "EnabledClusterListParameter"}
    }


def test_scheduler_may_only_read_the_cluster_list_and_start_export_jobs():
    assert actions(EXPORT, "InvokeRsStlExportEtlRole") == sorted(
        ["logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameter", "glue:GetJobRuns", "glue:StartJobRun"]
    )
    by_sid = {s.get("Sid"): s for s in statements(EXPORT, "InvokeRsStlExportEtlRole")}
    assert [sub_text(r) for r in by_sid["ReadEnabledClusters"]["Resource"]] == [
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/redshift_query_logs.global.enabled_cluster_list"
    ]
    assert [sub_text(r) for r in by_sid["StartExportJobs"]["Resource"]] == [
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:job/*_extract_rs_query_logs"
    ]


def test_only_the_provisioner_passes_the_glue_role_and_only_to_glue():
    passing = [
        (role, s)
        for role, r in resources_of_type(EXPORT, "AWS::IAM::Role").items()
        for p in r["Properties"].get("Policies", [])
        for s in p["PolicyDocument"]["Statement"]
        if "iam:PassRole" in s["Action"]
    ]
    assert len(passing) == 1
    role, statement = passing[0]
    assert role == "ProvisionExportJobsRole"
    assert statement["Resource"] == [{"Fn::GetAtt": ["GlueJobRole", "Arn"]}]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}


def test_glue_role_reaches_only_its_prefixes_table_secrets_and_key():
    role = catalog.resources(EXPORT)["GlueJobRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSGlueServiceRole"}
    ]
    by_sid = {s["Sid"]: s for s in statements(EXPORT, "GlueJobRole")}
    assert [sub_text(r) for r in by_sid["WriteExportAndTemp"]["Resource"]] == [
        "arn:${AWS::Partition}:s3:::${S3Bucket}/extract_redshift_query_logs/data/*",
        "arn:${AWS::Partition}:s3:::${S3Bucket}/extract_redshift_query_logs/temp/*",
    ]
    assert by_sid["ReadScript"]["Action"] == ["s3:GetObject"]
    assert by_sid["TrackExportedTimestamps"]["Resource"] == [{"Fn::GetAtt": ["TrackingTable", "Arn"]}]
    assert [sub_text(r) for r in by_sid["ReadClusterCredentials"]["Resource"]] == [
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${ClusterSecretPrefix}*"
    ]


def test_schedule_invokes_the_scheduler_after_the_jobs_exist():
    rule = catalog.resources(EXPORT)["ExportScheduleRule"]
    assert rule["DependsOn"] == ["ExportJobs"]
    assert rule["Properties"]["ScheduleExpression"] == {"Ref": "ExportScheduleExpression"}
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["InvokeRsStlExportEtl", "Arn"]}
    permission = catalog.resources(EXPORT)["ExportSchedulePermission"]["Properties"]
    assert permission == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Ref": "InvokeRsStlExportEtl"},
        "Principal": "events.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": ["ExportScheduleRule", "Arn"]},
    }


def test_no_wildcard_actions_in_the_redshift_templates():
    for name in (EXPORT, CATALOG, POC):
        for statement in all_inline_statements(name):
            assert not any(a == "*" or a.endswith(":*") for a in statement["Action"]), (name, statement)


# --- redshift-stl-catalog --------------------------------------------------------------------


def test_crawler_catalogs_every_exported_table_with_the_ext_prefix():
    crawler = catalog.resources(CATALOG)["QueryLogsCrawler"]["Properties"]
    assert crawler["TablePrefix"] == "ext_"
    assert crawler["DatabaseName"] == {"Ref": "QueryLogsDatabase"}
    paths = [sub_text(target["Path"]) for target in crawler["Targets"]["S3Targets"]]
    assert paths == [f"s3://${{S3Bucket}}/extract_redshift_query_logs/data/{name}/" for name in job.table_names()]
    assert len(paths) == 8
    assert crawler["Schedule"] == {"ScheduleExpression": {"Ref": "CrawlerSchedule"}}
    assert crawler["CrawlerSecurityConfiguration"] == {"Ref": "CrawlerSecurityConfiguration"}
    database = catalog.resources(CATALOG)["QueryLogsDatabase"]["Properties"]
    assert database["DatabaseInput"]["Name"] == "redshift_query_logs_db"


def test_crawler_is_started_once_by_a_custom_resource_allowed_only_that():
    start = catalog.resources(CATALOG)["StartCrawlerOnCreate"]
    assert start["Type"] == "Custom::StartCrawlerOnCreate"
    assert start["Properties"]["CrawlerName"] == {"Ref": "QueryLogsCrawler"}
    function = catalog.resources(CATALOG)["StartCrawlerFunction"]["Properties"]
    assert function["Code"]["ZipFile"] == inline_source("start_crawler_on_create")
    by_sid = {s.get("Sid"): s for s in statements(CATALOG, "StartCrawlerFunctionRole")}
    assert by_sid["StartQueryLogsCrawler"]["Action"] == ["glue:StartCrawler"]
    assert [sub_text(r) for r in by_sid["StartQueryLogsCrawler"]["Resource"]] == [
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:crawler/${QueryLogsCrawler}"
    ]


def test_crawler_role_reads_only_the_data_prefix():
    by_sid = {s["Sid"]: s for s in statements(CATALOG, "CrawlerRole")}
    assert by_sid["ReadExportedTables"]["Action"] == ["s3:GetObject"]
    assert [sub_text(r) for r in by_sid["ReadExportedTables"]["Resource"]] == [
        "arn:${AWS::Partition}:s3:::${S3Bucket}/extract_redshift_query_logs/data/*"
    ]
    assert by_sid["ListExportedTables"]["Condition"] == {
        "StringLike": {"s3:prefix": ["extract_redshift_query_logs/data/*"]}
    }


def test_catalog_outputs_database_and_crawler_names():
    outputs = catalog.template_dict(CATALOG)["Outputs"]
    assert outputs["DatabaseName"]["Value"] == {"Ref": "QueryLogsDatabase"}
    assert outputs["CrawlerName"]["Value"] == {"Ref": "QueryLogsCrawler"}


def _squash(text):
    return " ".join(text.split())


def test_the_three_athena_queries_are_documented_in_the_template_docstring():
    sql = sql_file("stl_athena_queries.sql")
    queries = [q.strip() for q in re.split(r";\s*", sql) if "SELECT" in q]
    assert len(queries) == 3
    doc = _squash(importlib.import_module(catalog.specs()[CATALOG].module).__doc__)
    for query in queries:
        body = query[query.index("SELECT") :]
        assert _squash(body) in doc
        assert "redshift_query_logs_db.ext_" in body and '"date" >=' in body


# --- redshift-spectrum-poc -------------------------------------------------------------------


def test_poc_keeps_the_original_parameter_names_and_defaults():
    params = catalog.template_dict(POC)["Parameters"]
    defaults = {
        "pPoCEnvCIDR": "10.0.0.0/22",
        "pClusterType": "multi-node",
        "pNumberOfNodes": 4,
        "pNodeType": "ra3.xlplus",
        "pDBPortNumber": 5439,
        "pDatabaseName": "ssb",
    }
    for name, default in defaults.items():
        assert params[name]["Default"] == default
    for name in ("pPoCVPCName", "pPublicSubnetCIDR", "pPrivateAnalyticsSubnetCIDR", "pMasterUsername"):
        assert name in params
    assert params["pAvailabilityZone"]["Type"] == "AWS::EC2::AvailabilityZone::Name"
    assert params["pNodeType"]["AllowedValues"] == ["ra3.large", "ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge"]
    assert "pBastionHostInstanceType" in params
    assert not any("Password" in name for name in params)


def test_cluster_is_private_encrypted_logged_and_routes_through_the_vpc():
    cluster = catalog.resources(POC)["RedshiftCluster"]
    assert cluster["DeletionPolicy"] == "Snapshot"
    props = cluster["Properties"]
    assert has_properties(
        props,
        {
            "PubliclyAccessible": False,
            "Encrypted": True,
            "KmsKeyId": {"Ref": "RedshiftKey"},
            "ManageMasterPassword": True,
            "EnhancedVpcRouting": True,
            "ClusterSubnetGroupName": {"Ref": "RedshiftSubnetGroup"},
            "IamRoles": [{"Fn::GetAtt": ["RedshiftSpectrumRole", "Arn"]}],
            "LoggingProperties": {"BucketName": {"Ref": "AuditLogBucket"}},
            "Port": {"Ref": "pDBPortNumber"},
            "DBName": {"Ref": "pDatabaseName"},
        },
    )
    assert "MasterUserPassword" not in props
    assert props["NumberOfNodes"] == {"Fn::If": ["IsMultiNode", {"Ref": "pNumberOfNodes"}, {"Ref": "AWS::NoValue"}]}
    group = catalog.resources(POC)["RedshiftParameterGroup"]["Properties"]["Parameters"]
    assert {"ParameterName": "require_ssl", "ParameterValue": "true"} in group
    assert catalog.resources(POC)["RedshiftSubnetGroup"]["Properties"]["SubnetIds"] == [{"Ref": "PrivateSubnet1"}]


def test_audit_log_bucket_admits_only_redshift_of_this_account():
    policy = catalog.resources(POC)["AuditLogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    delivery = [s for s in policy if s.get("Principal") == {"Service": ["redshift.amazonaws.com"]}]
    assert {a for s in delivery for a in s["Action"]} == {"s3:PutObject", "s3:GetBucketAcl"}
    for statement in delivery:
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_enhanced_vpc_routing_has_its_s3_gateway_endpoint_and_subnets_use_the_chosen_zone():
    endpoint = catalog.resources(POC)["S3GatewayEndpoint"]["Properties"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert endpoint["RouteTableIds"] == [{"Ref": "PrivateRouteTable1"}]
    for subnet in ("PublicSubnet1", "PrivateSubnet1"):
        assert catalog.resources(POC)[subnet]["Properties"]["AvailabilityZone"] == {"Ref": "pAvailabilityZone"}
    assert catalog.resources(POC)["PrivateSubnet1"]["Properties"]["CidrBlock"] == {"Ref": "pPrivateAnalyticsSubnetCIDR"}
    assert catalog.resources(POC)["VPC"]["Properties"]["CidrBlock"] == {"Ref": "pPoCEnvCIDR"}


def test_egress_allows_only_https_out_and_the_sql_port_from_the_access_host_to_the_cluster():
    groups = resources_of_type(POC, "AWS::EC2::SecurityGroup")
    for name in ("AccessHostSecurityGroup", "RedshiftClusterSecurityGroup"):
        (rule,) = groups[name]["Properties"]["SecurityGroupEgress"]
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 443, 443), name
    egress = resources_of_type(POC, "AWS::EC2::SecurityGroupEgress")
    assert set(egress) == {"AccessHostToClusterEgress"}
    sql = egress["AccessHostToClusterEgress"]["Properties"]
    assert sql["GroupId"] == {"Ref": "AccessHostSecurityGroup"}
    assert sql["DestinationSecurityGroupId"] == {"Ref": "RedshiftClusterSecurityGroup"}
    assert (sql["IpProtocol"], sql["FromPort"], sql["ToPort"]) == (
        "tcp",
        {"Ref": "pDBPortNumber"},
        {"Ref": "pDBPortNumber"},
    )
    for resource in catalog.resources(POC).values():
        for rule in (
            resource["Properties"].get("SecurityGroupEgress", [])
            if resource["Type"] == "AWS::EC2::SecurityGroup"
            else []
        ):
            assert rule["IpProtocol"] != "-1"


def test_nothing_is_open_to_the_internet_and_sql_comes_only_from_the_access_host():
    groups = resources_of_type(POC, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in groups["AccessHostSecurityGroup"]["Properties"]
    (rule,) = groups["RedshiftClusterSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert rule["SourceSecurityGroupId"] == {"Ref": "AccessHostSecurityGroup"}
    assert rule["FromPort"] == rule["ToPort"] == {"Ref": "pDBPortNumber"}
    assert not resources_of_type(POC, "AWS::EC2::SecurityGroupIngress")
    host = catalog.resources(POC)["AccessHost"]["Properties"]
    assert host["SubnetId"] == {"Ref": "PrivateSubnet1"}
    data = catalog.resources(POC)["AccessHostLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert "KeyName" not in data


def test_access_host_recovers_itself():
    alarm = catalog.resources(POC)["AccessHostRecoveryAlarm"]["Properties"]
    assert alarm["MetricName"] == "StatusCheckFailed_System"
    assert alarm["Dimensions"] == [{"Name": "InstanceId", "Value": {"Ref": "AccessHost"}}]
    assert [sub_text(a) for a in alarm["AlarmActions"]] == ["arn:${AWS::Partition}:automate:${AWS::Region}:ec2:recover"]


def test_spectrum_role_reads_the_lake_and_only_its_catalog_database():
    by_sid = {s["Sid"]: s for s in statements(POC, "RedshiftSpectrumRole")}
    assert by_sid["ReadDataLake"]["Action"] == ["s3:GetObject"]
    assert sorted(by_sid["ListDataLake"]["Action"]) == ["s3:GetBucketLocation", "s3:ListBucket"]
    s3_actions = {a for s in by_sid.values() for a in s["Action"] if a.startswith("s3:")}
    assert not any(a.startswith(("s3:Put", "s3:Delete")) for a in s3_actions)
    catalog_arns = [
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog",
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:database/${pDataLakeDatabaseName}",
        "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${pDataLakeDatabaseName}/*",
    ]
    for sid in ("ReadCatalog", "DefineExternalTables"):
        assert [sub_text(r) for r in by_sid[sid]["Resource"]] == catalog_arns
    assert "glue:GetTable" in by_sid["ReadCatalog"]["Action"]
    trust = catalog.resources(POC)["RedshiftSpectrumRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": ["redshift.amazonaws.com"]}


def test_poc_outputs_keep_the_original_names():
    outputs = catalog.template_dict(POC)["Outputs"]
    assert {"ClusterEndpoint", "ClusterName", "RedshiftClusterSecurityGroupName", "RedshiftClusterIAMRole"} <= set(
        outputs
    )
    assert outputs["RedshiftClusterSecurityGroupName"]["Value"] == {"Ref": "RedshiftClusterSecurityGroup"}
    assert "security group" in outputs["RedshiftClusterSecurityGroupName"]["Description"]
    assert outputs["RedshiftClusterIAMRole"]["Value"] == {"Fn::GetAtt": ["RedshiftSpectrumRole", "Arn"]}
    assert "AWS-StartPortForwardingSessionToRemoteHost" in sub_text(outputs["PortForwardingCommand"]["Value"])


def test_spectrum_ddl_creates_the_external_schema_and_partitioned_table():
    sql = _squash(sql_file("spectrum_ddl.sql"))
    assert "CREATE EXTERNAL SCHEMA IF NOT EXISTS clickstream FROM DATA CATALOG DATABASE 'clickstream'" in sql
    assert "IAM_ROLE '<RedshiftClusterIAMRole>' CREATE EXTERNAL DATABASE IF NOT EXISTS;" in sql
    assert "CREATE EXTERNAL TABLE clickstream.uservisits (" in sql
    assert "PARTITIONED BY (customer INTEGER, visityearmonth INTEGER)" in sql
    assert (
        "ALTER TABLE clickstream.uservisits ADD IF NOT EXISTS PARTITION (customer = 1, visityearmonth = 199201)" in sql
    )
