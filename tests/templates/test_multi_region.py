"""Intent of the multi-region serverless templates, asserted on the rendered data."""

from conftest import has_properties, resources_of_type

from cfn_catalog import catalog


def test_artifact_bucket_is_private_encrypted_versioned_and_tls_only():
    bucket = catalog.resources("sam-artifacts-bucket")["ArtifactBucket"]
    assert has_properties(
        bucket["Properties"],
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )
    rule = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    statement = catalog.resources("sam-artifacts-bucket")["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ][0]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_artifact_bucket_name_is_optional():
    params = catalog.template_dict("sam-artifacts-bucket")["Parameters"]
    assert params["BucketName"]["Default"] == ""
    outputs = catalog.template_dict("sam-artifacts-bucket")["Outputs"]
    assert set(outputs) == {"BucketName", "BucketArn"}


def test_api_paths_integrate_their_functions_with_region_substituted_uris():
    api = catalog.resources("helloworld-api")["HelloWorldApi"]["Properties"]
    assert api["StageName"] == "prod" and api["EndpointConfiguration"] == {"Type": "REGIONAL"}
    paths = api["DefinitionBody"]["paths"]
    for path, function in (("/helloworld", "GetHelloworld"), ("/healthcheck", "GetHealthcheck")):
        integration = paths[path]["get"]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        uri = integration["uri"]["Fn::Sub"]
        assert "${AWS::Region}" in uri and f"${{{function}.Arn}}" in uri
    assert api["Cors"] == "'*'"


def test_functions_inline_the_real_handler_and_healthcheck_reads_the_parameter():
    functions = resources_of_type("helloworld-api", "AWS::Serverless::Function")
    assert set(functions) == {"GetHelloworld", "GetHealthcheck"}
    source = (catalog.specs()["helloworld-api"].build.__globals__["inline_source"])("helloworld")
    for function in functions.values():
        assert function["Properties"]["InlineCode"] == source
        assert function["Properties"]["Runtime"].startswith("python3.1")
    assert functions["GetHealthcheck"]["Properties"]["Environment"]["Variables"] == {"STATUS": {"Ref": "HealthStatus"}}
    assert catalog.template_dict("helloworld-api")["Parameters"]["HealthStatus"]["AllowedValues"] == ["ok", "fail"]


def test_custom_domain_is_conditional_and_maps_v1_to_prod():
    resources = catalog.resources("helloworld-api")
    assert resources["ApiDomainName"]["Condition"] == "HasCustomDomain"
    assert resources["ApiDomainName"]["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    mapping = resources["ApiBasePathMapping"]
    assert mapping["Condition"] == "HasCustomDomain" and mapping["Properties"]["BasePath"] == "v1"
    outputs = catalog.template_dict("helloworld-api")["Outputs"]
    assert {"RestAPIID", "HealthcheckApiUrl", "HelloworldApiUrl"} <= set(outputs)
    assert outputs["RegionalDomainTargetName"]["Condition"] == "HasCustomDomain"


def test_function_roles_write_only_to_their_own_log_group():
    resources = catalog.resources("helloworld-api")
    for name in ("GetHelloworld", "GetHealthcheck"):
        statements = resources[f"{name}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        assert statements == [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [{"Fn::GetAtt": [f"{name}LogGroup", "Arn"]}],
            }
        ]


def test_failover_health_checks_and_latency_records():
    resources = catalog.resources("route53-failover")
    for n in (1, 2):
        check = resources[f"HealthcheckRegion{n}"]["Properties"]["HealthCheckConfig"]
        assert check == {
            "Type": "HTTPS_STR_MATCH",
            "FullyQualifiedDomainName": {"Ref": f"Region{n}HealthEndpoint"},
            "Port": 443,
            "ResourcePath": "/prod/healthcheck",
            "SearchString": "ok",
            "RequestInterval": 30,
            "FailureThreshold": 2,
        }
        record = resources[f"Region{n}EndpointRecord"]["Properties"]
        assert has_properties(
            record,
            {
                "Type": "CNAME",
                "TTL": "60",
                "SetIdentifier": f"endpoint-region{n}",
                "Region": {"Ref": f"Region{n}"},
                "HealthCheckId": {"Ref": f"HealthcheckRegion{n}"},
                "ResourceRecords": [{"Ref": f"Region{n}Endpoint"}],
            },
        )
    params = catalog.template_dict("route53-failover")["Parameters"]
    assert (params["Region1"]["Default"], params["Region2"]["Default"]) == ("us-east-1", "us-west-2")
    assert set(catalog.template_dict("route53-failover")["Outputs"]) == {
        "HealthcheckRegion1Id",
        "HealthcheckRegion2Id",
        "MultiregionEndpoint",
    }
