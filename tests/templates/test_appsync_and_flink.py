"""Intent of the AppSync Posts API and the Managed Flink streaming templates, asserted on the rendered data."""

import sys
from collections import Counter
from importlib import resources

import pytest
from conftest import has_properties, resources_of_type
from graphql import build_schema

from cfn_catalog import catalog
from cfn_catalog.blocks.lambdas import inline_source
from cfn_catalog.functions import flink_tumbling_window as job
from cfn_catalog.templates import appsync_posts_api

APPSYNC = "appsync-posts-api"
FLINK = "kinesis-analytics-app"
FUNCTIONS = resources.files("cfn_catalog.functions")
APPSYNC_DIRECTIVES = "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION\n"


def statements_of(role):
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


# --- appsync-posts-api ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def appsync():
    return catalog.resources(APPSYNC)


@pytest.fixture(scope="module")
def schema_text(appsync):
    (schema,) = resources_of_type(APPSYNC, "AWS::AppSync::GraphQLSchema").values()
    return schema["Properties"]["Definition"]


def test_embedded_schema_is_the_schema_file(schema_text):
    assert schema_text == FUNCTIONS.joinpath("posts_schema.graphql").read_text(encoding="utf-8")


def test_every_root_field_has_exactly_one_resolver(schema_text):
    schema = build_schema(APPSYNC_DIRECTIVES + schema_text)
    fields = Counter(
        (root.name, field)
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        for field in root.fields
    )
    resolvers = Counter(
        (r["Properties"]["TypeName"], r["Properties"]["FieldName"])
        for r in resources_of_type(APPSYNC, "AWS::AppSync::Resolver").values()
    )
    assert resolvers == fields
    assert set(fields.values()) == {1}


def test_every_resolver_uses_an_existing_data_source_of_the_api(appsync):
    sources = resources_of_type(APPSYNC, "AWS::AppSync::DataSource")
    for name, resolver in resources_of_type(APPSYNC, "AWS::AppSync::Resolver").items():
        props = resolver["Properties"]
        source_id, attribute = props["DataSourceName"]["Fn::GetAtt"]
        assert source_id in sources and attribute == "Name", name
        assert sources[source_id]["Properties"]["ApiId"] == props["ApiId"] == {"Fn::GetAtt": ["GraphQLApi", "ApiId"]}
        assert "GraphQLSchema" in resolver["DependsOn"], f"{name} must wait for the schema"


def test_resolvers_are_javascript_unit_resolvers_embedding_their_files(appsync):
    for logical_id, _, _, _, code_file in appsync_posts_api.RESOLVERS:
        props = appsync[logical_id]["Properties"]
        assert props["Runtime"] == {"Name": "APPSYNC_JS", "RuntimeVersion": "1.0.0"}
        assert props["Kind"] == "UNIT"
        assert props["Code"] == FUNCTIONS.joinpath(code_file).read_text(encoding="utf-8")
        assert "RequestMappingTemplate" not in props


def test_posts_by_ids_uses_batch_get_item_on_the_dynamodb_source(appsync):
    resolver = appsync["PostsByIdsResolver"]["Properties"]
    assert resolver["DataSourceName"] == {"Fn::GetAtt": ["PostsDataSource", "Name"]}
    assert "operation: 'BatchGetItem'" in resolver["Code"]
    assert "ctx.env.POSTS_TABLE" in resolver["Code"]
    api = appsync["GraphQLApi"]["Properties"]
    assert api["EnvironmentVariables"] == {"POSTS_TABLE": {"Ref": "PostsTable"}}


def test_subscription_resolver_runs_on_a_none_data_source(appsync):
    resolver = appsync["OnPutPostResolver"]["Properties"]
    assert (resolver["TypeName"], resolver["FieldName"]) == ("Subscription", "onPutPost")
    source = resolver["DataSourceName"]["Fn::GetAtt"][0]
    assert appsync[source]["Properties"]["Type"] == "NONE"


def test_dynamodb_source_role_is_limited_to_the_tables_item_actions(appsync):
    source = appsync["PostsDataSource"]["Properties"]
    assert source["Type"] == "AMAZON_DYNAMODB"
    assert source["DynamoDBConfig"]["TableName"] == {"Ref": "PostsTable"}
    role_id = source["ServiceRoleArn"]["Fn::GetAtt"][0]
    role = appsync[role_id]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["appsync.amazonaws.com"]
    }
    data, key = statements_of(role)
    assert sorted(data["Action"]) == ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"]
    assert data["Resource"] == [{"Fn::GetAtt": ["PostsTable", "Arn"]}]
    assert key["Resource"] == [{"Fn::GetAtt": ["PostsTableKey", "Arn"]}]
    assert key["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}}
    }


def test_posts_table_is_on_demand_encrypted_and_recoverable(appsync):
    table = appsync["PostsTable"]
    assert has_properties(
        table["Properties"],
        {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "SSESpecification": {
                "SSEEnabled": True,
                "SSEType": "KMS",
                "KMSMasterKeyId": {"Fn::GetAtt": ["PostsTableKey", "Arn"]},
            },
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    assert "TableName" not in table["Properties"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert appsync["PostsTableKey"]["Properties"]["EnableKeyRotation"] is True


def test_api_uses_api_keys_logs_fields_and_traces(appsync):
    api = appsync["GraphQLApi"]["Properties"]
    assert has_properties(
        api,
        {
            "AuthenticationType": "API_KEY",
            "XrayEnabled": True,
            "LogConfig": {
                "CloudWatchLogsRoleArn": {"Fn::GetAtt": ["ApiLoggingRole", "Arn"]},
                "FieldLogLevel": {"Ref": "FieldLogLevel"},
                "ExcludeVerboseContent": True,
            },
        },
    )
    param = catalog.template_dict(APPSYNC)["Parameters"]["FieldLogLevel"]
    assert param["Default"] == "ERROR" and param["AllowedValues"] == ["NONE", "ERROR", "INFO", "DEBUG", "ALL"]


def test_logging_role_writes_only_to_the_apis_log_group(appsync):
    group = appsync["ApiLogGroup"]["Properties"]
    assert group["LogGroupName"] == {"Fn::Sub": "/aws/appsync/apis/${GraphQLApi.ApiId}"}
    assert group["RetentionInDays"] == 90
    policy = appsync["ApiLoggingPolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": "ApiLoggingRole"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    for resource in statement["Resource"]:
        assert "log-group:/aws/appsync/apis/${GraphQLApi.ApiId}" in resource["Fn::Sub"]
    assert {"ApiLogGroup", "ApiLoggingPolicy"} <= set(appsync["GraphQLSchema"]["DependsOn"])


def test_api_key_expiry_is_a_parameter_and_zero_means_the_stack_renews_the_key(appsync):
    doc = catalog.template_dict(APPSYNC)
    param = doc["Parameters"]["ApiKeyExpires"]
    assert (param["Type"], param["Default"], param["MinValue"]) == ("Number", 0, 0)
    assert "renew the key daily" in param["Description"] and "365 days" in param["Description"]
    assert appsync["ApiKey"]["Properties"]["Expires"] == {
        "Fn::If": ["HasApiKeyExpiry", {"Ref": "ApiKeyExpires"}, {"Ref": "AWS::NoValue"}]
    }
    assert doc["Conditions"]["HasApiKeyExpiry"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiKeyExpires"}, 0]}]}


def test_outputs_name_the_api_and_key_id_but_never_the_key_value():
    doc = catalog.template_dict(APPSYNC)
    outputs = doc["Outputs"]
    assert outputs["GraphQLApiId"]["Value"] == {"Fn::GetAtt": ["GraphQLApi", "ApiId"]}
    assert outputs["GraphQLUrl"]["Value"] == {"Fn::GetAtt": ["GraphQLApi", "GraphQLUrl"]}
    assert outputs["ApiKeyId"]["Value"] == {"Fn::GetAtt": ["ApiKey", "ApiKeyId"]}
    assert ["ApiKey", "ApiKey"] not in [o["Value"].get("Fn::GetAtt") for o in outputs.values()]


def test_waf_protects_the_api_when_enabled(appsync):
    for name in ("WebAcl", "WebAclAssociation", "WafLogGroup", "WafLogging"):
        assert appsync[name]["Condition"] == "HasWaf"
    association = appsync["WebAclAssociation"]["Properties"]
    assert association["ResourceArn"] == {"Fn::GetAtt": ["GraphQLApi", "Arn"]}
    rules = appsync["WebAcl"]["Properties"]["Rules"]
    assert rules[0]["Statement"]["RateBasedStatement"]["Limit"] == {"Ref": "RateLimitPerIp"}
    assert rules[0]["Action"] == {"Block": {}}
    assert {r["Name"] for r in rules[1:]} == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    assert appsync["WafLogging"]["Properties"]["RedactedFields"] == [{"SingleHeader": {"Name": "x-api-key"}}]
    assert appsync["WafLogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-")


# --- kinesis-analytics-app -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flink():
    return catalog.resources(FLINK)


def property_groups(flink):
    groups = flink["Application"]["Properties"]["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"]
    return {g["PropertyGroupId"]: g["PropertyMap"] for g in groups}


def test_application_is_a_streaming_flink_1_20_app_running_the_zip_from_s3(flink):
    app = flink["Application"]["Properties"]
    assert (app["RuntimeEnvironment"], app["ApplicationMode"]) == ("FLINK-1_20", "STREAMING")
    assert app["ServiceExecutionRole"] == {"Fn::GetAtt": ["ApplicationRole", "Arn"]}
    code = app["ApplicationConfiguration"]["ApplicationCodeConfiguration"]
    assert code["CodeContentType"] == "ZIPFILE"
    assert code["CodeContent"]["S3ContentLocation"] == {
        "BucketARN": {
            "Fn::If": [
                "UsesOwnCode",
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::${CodeBucketName}"},
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::${TemplateBucketName}"},
            ]
        },
        "FileKey": {
            "Fn::If": [
                "UsesOwnCode",
                {"Ref": "CodeKey"},
                {"Fn::Sub": "${TemplateKeyPrefix}assets/flink_tumbling_window.zip"},
            ]
        },
        "ObjectVersion": {"Fn::If": ["HasCodeObjectVersion", {"Ref": "CodeObjectVersion"}, {"Ref": "AWS::NoValue"}]},
    }


def test_the_published_bundle_holds_the_job_and_the_connector_jar_the_app_is_told_about(flink):
    template = catalog.template_dict(FLINK)
    (bundle,) = template["Metadata"]["cfn-catalog"]["Assets"]
    assert bundle == {
        "Zip": "flink_tumbling_window.zip",
        "Files": {"flink_tumbling_window.py": "flink_tumbling_window.py"},
        "Maven": {
            "lib/flink-sql-connector-kinesis-5.0.0-1.20.jar": "org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20"
        },
    }
    options = property_groups(flink)["kinesis.analytics.flink.run.options"]
    assert options["python"] in bundle["Files"]
    assert template["Parameters"]["ConnectorJarPath"]["Default"] in bundle["Maven"]
    # Own code is opt-in: without CodeBucketName the published bundle runs, and an object version only applies to it.
    assert template["Parameters"]["CodeBucketName"]["Default"] == ""
    assert template["Conditions"]["UsesOwnCode"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "CodeBucketName"}, ""]}]}
    assert template["Conditions"]["HasCodeObjectVersion"]["Fn::And"][0] == {"Condition": "UsesOwnCode"}


def test_run_options_name_the_real_job_file_and_the_connector_jar(flink):
    options = property_groups(flink)["kinesis.analytics.flink.run.options"]
    assert options == {"python": "flink_tumbling_window.py", "jarfile": {"Ref": "ConnectorJarPath"}}
    assert FUNCTIONS.joinpath(options["python"]).is_file()
    jar = catalog.template_dict(FLINK)["Parameters"]["ConnectorJarPath"]["Default"]
    assert jar == "lib/flink-sql-connector-kinesis-5.0.0-1.20.jar"


def test_application_properties_are_what_the_job_reads(flink):
    properties = property_groups(flink)[job.PROPERTY_GROUP]
    assert properties == {
        job.INPUT_STREAM_ARN: {"Fn::GetAtt": ["InputStream", "Arn"]},
        job.OUTPUT_STREAM_ARN: {"Fn::GetAtt": ["OutputStream", "Arn"]},
        job.REGION: {"Ref": "AWS::Region"},
        job.WINDOW_SECONDS: {"Ref": "WindowSizeSeconds"},
        job.INITIAL_POSITION: {"Ref": "InitialPosition"},
    }
    # What the service would hand the job, with the parameters' defaults resolved.
    params = catalog.template_dict(FLINK)["Parameters"]
    resolved = {
        job.INPUT_STREAM_ARN: "arn:aws:kinesis:us-east-1:123456789012:stream/in",
        job.OUTPUT_STREAM_ARN: "arn:aws:kinesis:us-east-1:123456789012:stream/out",
        job.REGION: "us-east-1",
        job.WINDOW_SECONDS: str(params["WindowSizeSeconds"]["Default"]),
        job.INITIAL_POSITION: params["InitialPosition"]["Default"],
    }
    config = job.parse_config({job.PROPERTY_GROUP: resolved})
    assert (config.window_seconds, config.initial_position) == (60, "LATEST")


def test_parameter_constraints_match_what_the_job_accepts():
    params = catalog.template_dict(FLINK)["Parameters"]
    assert (params["WindowSizeSeconds"]["MinValue"], params["WindowSizeSeconds"]["MaxValue"]) == (
        1,
        job.MAX_WINDOW_SECONDS,
    )
    assert params["InitialPosition"]["AllowedValues"] == list(job.INITIAL_POSITIONS)


def test_streams_are_encrypted_with_the_kinesis_managed_key(flink):
    for name in ("InputStream", "OutputStream"):
        props = flink[name]["Properties"]
        assert props["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
        assert props["StreamModeDetails"] == {"StreamMode": {"Ref": "StreamMode"}}
        assert props["ShardCount"] == {"Fn::If": ["IsProvisioned", {"Ref": "ShardCount"}, {"Ref": "AWS::NoValue"}]}
    assert catalog.template_dict(FLINK)["Parameters"]["StreamMode"]["Default"] == "ON_DEMAND"


def test_parallelism_and_checkpointing_come_from_parameters(flink):
    config = flink["Application"]["Properties"]["ApplicationConfiguration"]["FlinkApplicationConfiguration"]
    assert config["CheckpointConfiguration"] == {
        "ConfigurationType": "CUSTOM",
        "CheckpointingEnabled": {"Ref": "CheckpointingEnabled"},
        "CheckpointInterval": {"Ref": "CheckpointInterval"},
        "MinPauseBetweenCheckpoints": {"Ref": "MinPauseBetweenCheckpoints"},
    }
    assert config["ParallelismConfiguration"] == {
        "ConfigurationType": "CUSTOM",
        "Parallelism": {"Ref": "Parallelism"},
        "ParallelismPerKPU": {"Ref": "ParallelismPerKPU"},
        "AutoScalingEnabled": {"Ref": "AutoScalingEnabled"},
    }
    params = catalog.template_dict(FLINK)["Parameters"]
    for name in ("AutoScalingEnabled", "CheckpointingEnabled"):
        assert params[name]["AllowedValues"] == ["true", "false"]


def test_application_logs_to_its_own_log_stream(flink):
    option = flink["ApplicationLoggingOption"]["Properties"]
    assert option["ApplicationName"] == {"Ref": "Application"}
    arn = option["CloudWatchLoggingOption"]["LogStreamARN"]["Fn::Sub"]
    assert arn.endswith(":log-group:${ApplicationLogGroup}:log-stream:${ApplicationLogStream}")
    assert flink["ApplicationLogStream"]["Properties"]["LogGroupName"] == {"Ref": "ApplicationLogGroup"}


def test_service_role_is_least_privilege(flink):
    role = flink["ApplicationRole"]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["kinesisanalytics.amazonaws.com"]
    }
    by_sid = {s["Sid"]: s for s in statements_of(role)}
    assert by_sid["ReadApplicationCode"]["Resource"] == [
        {
            "Fn::If": [
                "UsesOwnCode",
                {"Fn::Sub": "arn:${AWS::Partition}:s3:::${CodeBucketName}/${CodeKey}"},
                {
                    "Fn::Sub": "arn:${AWS::Partition}:s3:::${TemplateBucketName}/${TemplateKeyPrefix}assets/"
                    "flink_tumbling_window.zip"
                },
            ]
        }
    ]
    read, write = by_sid["ReadInputStream"], by_sid["WriteOutputStream"]
    assert read["Resource"] == [{"Fn::GetAtt": ["InputStream", "Arn"]}]
    assert write["Resource"] == [{"Fn::GetAtt": ["OutputStream", "Arn"]}]
    assert not any(a.startswith("kinesis:Put") for a in read["Action"])
    assert not any(a in ("kinesis:GetRecords", "kinesis:GetShardIterator") for a in write["Action"])
    assert by_sid["WriteLogs"]["Resource"][0]["Fn::Sub"].endswith(
        "${ApplicationLogGroup}:log-stream:${ApplicationLogStream}"
    )
    wildcard = [s["Sid"] for s in by_sid.values() if s["Resource"] == ["*"]]
    assert wildcard == ["PublishMetrics"] and by_sid["PublishMetrics"]["Action"] == ["cloudwatch:PutMetricData"]
    for statement in by_sid.values():
        assert not any(action.endswith(":*") for action in statement["Action"])


def test_outputs_name_the_application_and_streams():
    outputs = catalog.template_dict(FLINK)["Outputs"]
    assert outputs["ApplicationName"]["Value"] == {"Ref": "Application"}
    assert {"InputStreamName", "InputStreamArn", "OutputStreamName", "OutputStreamArn", "LogGroupName"} <= set(outputs)


def test_the_application_is_started_once_after_its_logging_is_attached(flink):
    starter = flink["StartApplicationOnCreate"]
    assert starter["Type"] == "Custom::StartFlinkApplication"
    assert starter["DependsOn"] == ["ApplicationLoggingOption"]
    assert starter["Properties"] == {
        "ServiceToken": {"Fn::GetAtt": ["StartApplicationFunction", "Arn"]},
        "ApplicationName": {"Ref": "Application"},
    }
    function = flink["StartApplicationFunction"]["Properties"]
    assert function["Code"]["ZipFile"] == inline_source("start_flink_application")
    (start,) = [
        s for s in statements_of(flink["StartApplicationFunctionRole"]) if s.get("Sid") == "StartTheApplication"
    ]
    assert start["Action"] == ["kinesisanalytics:DescribeApplication", "kinesisanalytics:StartApplication"]
    assert start["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:kinesisanalytics:${AWS::Region}:${AWS::AccountId}:application/${Application}"
        }
    ]


def test_starting_on_create_can_be_turned_off_with_everything_it_needs():
    template = catalog.template_dict(FLINK)
    assert template["Parameters"]["StartApplication"]["Default"] == "true"
    assert template["Conditions"]["StartsOnCreate"] == {"Fn::Equals": [{"Ref": "StartApplication"}, "true"]}
    conditional = {name for name, r in template["Resources"].items() if r.get("Condition") == "StartsOnCreate"}
    assert conditional == {
        "StartApplicationOnCreate",
        "StartApplicationFunction",
        "StartApplicationFunctionRole",
        "StartApplicationFunctionLogGroup",
    }


def test_by_default_the_api_key_is_renewed_daily_and_set_at_creation_by_a_function_scoped_to_the_api():
    doc = catalog.template_dict("appsync-posts-api")
    params = doc["Parameters"]
    assert params["ApiKeyExpires"]["Default"] == 0
    days = params["ApiKeyRenewalDays"]
    assert (days["Default"], days["MinValue"], days["MaxValue"]) == (30, 2, 365)
    assert doc["Conditions"]["RenewsApiKey"] == {"Fn::Equals": [{"Ref": "ApiKeyExpires"}, 0]}
    resources = doc["Resources"]
    renewer = resources["RenewApiKey"]
    assert renewer["Condition"] == "RenewsApiKey"
    assert renewer["Properties"]["Code"]["ZipFile"] == inline_source("renew_api_key")
    assert renewer["Properties"]["Environment"]["Variables"] == {
        "API_ID": {"Fn::GetAtt": ["GraphQLApi", "ApiId"]},
        "API_KEY_ID": {"Fn::GetAtt": ["ApiKey", "ApiKeyId"]},
        "RENEWAL_DAYS": {"Ref": "ApiKeyRenewalDays"},
    }
    statements = resources["RenewApiKeyRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    [renew] = [s for s in statements if s.get("Sid") == "RenewThisApisKeys"]
    assert renew["Action"] == ["appsync:UpdateApiKey"] and renew["Resource"] == [{"Fn::GetAtt": ["GraphQLApi", "Arn"]}]
    assert not [a for s in statements for a in s["Action"] if a.startswith("appsync:") and s is not renew]
    schedule = resources["ApiKeyRenewalSchedule"]
    assert schedule["Condition"] == "RenewsApiKey"
    assert schedule["Properties"]["ScheduleExpression"] == "rate(1 day)"
    assert schedule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["RenewApiKey", "Arn"]}
    permission = resources["ApiKeyRenewalPermission"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["ApiKeyRenewalSchedule", "Arn"]}
    at_creation = resources["ApiKeyRenewal"]
    assert at_creation["Type"] == "Custom::AppSyncApiKeyRenewal" and at_creation["Condition"] == "RenewsApiKey"
    assert at_creation["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["RenewApiKey", "Arn"]}
    assert at_creation["Properties"]["RenewalDays"] == {"Ref": "ApiKeyRenewalDays"}
    docstring = sys.modules[catalog.specs()["appsync-posts-api"].module].__doc__
    assert "## API key renewal" in docstring and "ApiKeyRenewalDays" in docstring
