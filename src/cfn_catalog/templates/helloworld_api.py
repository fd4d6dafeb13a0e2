"""The regional hello-world API of the multi-region serverless application.

Deployed once in each of two regions; `route53-failover` then routes clients
to the closest healthy one. `/helloworld` names the region that answered and
`/healthcheck` reports the HealthStatus parameter, so failover is exercised by
updating the stack, not by editing code in the console.
"""

from troposphere import And, Equals, GetAtt, Not, Output, Parameter, Ref, Sub, Template
from troposphere.apigateway import Account, BasePathMapping, DomainName, EndpointConfiguration
from troposphere.awslambda import LoggingConfig
from troposphere.serverless import (
    AccessLogSetting,
    Api,
    ApiEvent,
    Environment,
    Function,
    MethodSetting,
)
from troposphere.serverless import (
    EndpointConfiguration as SamEndpointConfiguration,
)

from cfn_catalog.blocks.iam import managed_policy_arn, service_role
from cfn_catalog.blocks.lambdas import (
    PYTHON_RUNTIME,
    function_role_and_logs,
    inline_source,
    reserved_concurrency_parameter,
    reserved_concurrency_value,
)
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.registry import register

STAGE = "prod"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
    '"path":"$context.path","status":"$context.status","latency":"$context.responseLatency"}'
)
SYNC_FUNCTION_FINDINGS = {
    "CKV_AWS_116": "invoked synchronously by API Gateway; errors return to the caller, a dead-letter "
    "queue applies only to asynchronous invocations",
    "CKV_AWS_117": "calls no resource inside a VPC; running in one would only add NAT cost",
    "CKV_AWS_173": "the only environment variable is the public health status, not a secret",
}


def _lambda_get(function: str) -> dict:
    uri = f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{function}.Arn}}/invocations"
    return {
        "get": {
            "responses": {"200": {"description": "JSON answer"}},
            "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": Sub(uri)},
        }
    }


def _function(t: Template, name: str, *, handler: str, path: str, description: str, **extra) -> Function:
    group, role = function_role_and_logs(t, name)
    function = Function(
        name,
        Description=description,
        Runtime=PYTHON_RUNTIME,
        Handler=f"index.{handler}",
        InlineCode=inline_source("helloworld"),
        Role=GetAtt(role, "Arn"),
        Timeout=5,
        MemorySize=128,
        Architectures=["arm64"],
        ReservedConcurrentExecutions=reserved_concurrency_value(t.parameters["ReservedConcurrency"]),
        LoggingConfig=LoggingConfig(LogGroup=Ref(group)),
        Events={f"{name}Api": ApiEvent(f"{name}Api", RestApiId=Ref("HelloWorldApi"), Path=path, Method="get")},
        **extra,
    )
    accept_findings(function, checkov=SYNC_FUNCTION_FINDINGS)
    return t.add_resource(function)


@register
def build() -> Template:
    t = Template(
        Description="Regional hello-world REST API (API Gateway + Lambda) with a health check, "
        "for latency-based multi-region failover"
    )
    t.set_transform(SAM_TRANSFORM)
    health = t.add_parameter(
        Parameter(
            "HealthStatus",
            Type="String",
            Default="ok",
            AllowedValues=["ok", "fail"],
            Description="What /healthcheck reports; set to fail to send traffic to the other region",
        )
    )
    domain = t.add_parameter(
        Parameter(
            "DomainName",
            Type="String",
            Default="",
            AllowedPattern=r"^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
            ConstraintDescription="a lowercase DNS name such as api.example.com, or empty",
            Description="Optional regional custom domain for the API (e.g. api.example.com)",
        )
    )
    certificate = t.add_parameter(
        Parameter(
            "CertificateArn",
            Type="String",
            Default="",
            AllowedPattern=r"^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$",
            ConstraintDescription="an ACM certificate ARN in this region, or empty",
            Description="ACM certificate for DomainName, issued in this region (required with DomainName)",
        )
    )
    concurrency = reserved_concurrency_parameter(t, what="each of the two functions")
    interface(
        t,
        [("Health", [health]), ("Custom domain (optional)", [domain, certificate]), ("Capacity", [concurrency])],
        labels={
            "HealthStatus": "Health status",
            "DomainName": "Domain name",
            "CertificateArn": "Certificate ARN",
            "ReservedConcurrency": "Reserved concurrency per function (0: none)",
        },
    )
    t.add_condition("HasCustomDomain", And(Not(Equals(Ref(domain), "")), Not(Equals(Ref(certificate), ""))))
    t.add_rule(
        "CustomDomainNeedsCertificate",
        {
            "RuleCondition": Not(Equals(Ref(domain), "")),
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref(certificate), "")),
                    "AssertDescription": "CertificateArn is required when DomainName is set",
                }
            ],
        },
    )

    # API Gateway writes execution and access logs only through a role set on
    # the regional account settings; the post did this in the console.
    log_role = service_role(
        t,
        "ApiGatewayCloudWatchRole",
        service="apigateway.amazonaws.com",
        managed_policy_arns=[managed_policy_arn("service-role/AmazonAPIGatewayPushToCloudWatchLogs")],
        description="Lets API Gateway write execution and access logs in this region",
    )
    log_role.DeletionPolicy = "Retain"  # other APIs in the region keep logging after this stack goes
    log_role.UpdateReplacePolicy = "Retain"
    account = t.add_resource(Account("ApiGatewayAccount", CloudWatchRoleArn=GetAtt(log_role, "Arn")))
    access_logs = log_group(t, "ApiAccessLogGroup")

    t.add_resource(
        Api(
            "HelloWorldApi",
            DependsOn=[account.title],
            StageName=STAGE,
            EndpointConfiguration=SamEndpointConfiguration(Type="REGIONAL"),
            Cors="'*'",
            TracingEnabled=True,
            AccessLogSetting=AccessLogSetting(DestinationArn=GetAtt(access_logs, "Arn"), Format=ACCESS_LOG_FORMAT),
            MethodSettings=[
                MethodSetting(
                    ResourcePath="/*",
                    HttpMethod="*",
                    LoggingLevel="ERROR",
                    MetricsEnabled=True,
                    ThrottlingBurstLimit=100,
                    ThrottlingRateLimit=50,
                )
            ],
            DefinitionBody={
                "openapi": "3.0.1",
                "info": {"title": "HelloWorldApi", "version": "1.0"},
                "paths": {"/helloworld": _lambda_get("GetHelloworld"), "/healthcheck": _lambda_get("GetHealthcheck")},
            },
        )
    )
    accept_findings(
        t.resources["HelloWorldApi"],
        checkov={
            "CKV_AWS_120": "responses must not be cached: the health check has to reflect the current status",
        },
    )
    _function(
        t,
        "GetHelloworld",
        handler="hello",
        path="/helloworld",
        description="Answers with the region that served the request",
    )
    _function(
        t,
        "GetHealthcheck",
        handler="healthcheck",
        path="/healthcheck",
        description="Reports the HealthStatus the stack was deployed with",
        Environment=Environment(Variables={"STATUS": Ref(health)}),
    )

    domain_name = t.add_resource(
        DomainName(
            "ApiDomainName",
            Condition="HasCustomDomain",
            DomainName=Ref(domain),
            RegionalCertificateArn=Ref(certificate),
            SecurityPolicy="TLS_1_2",
            EndpointConfiguration=EndpointConfiguration(Types=["REGIONAL"]),
        )
    )
    t.add_resource(
        BasePathMapping(
            "ApiBasePathMapping",
            Condition="HasCustomDomain",
            DomainName=Ref(domain_name),
            RestApiId=Ref("HelloWorldApi"),
            Stage=Ref("HelloWorldApi.Stage"),
            BasePath="v1",
        )
    )

    host = "${HelloWorldApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    t.add_output(Output("RestAPIID", Description="Id of the REST API", Value=Ref("HelloWorldApi")))
    t.add_output(Output("HealthEndpointHost", Description="Host name to health-check from Route 53", Value=Sub(host)))
    t.add_output(
        Output(
            "HelloworldApiUrl", Description="URL of GET /helloworld", Value=Sub(f"https://{host}/{STAGE}/helloworld")
        )
    )
    t.add_output(
        Output(
            "HealthcheckApiUrl", Description="URL of GET /healthcheck", Value=Sub(f"https://{host}/{STAGE}/healthcheck")
        )
    )
    t.add_output(
        Output(
            "RegionalDomainTargetName",
            Condition="HasCustomDomain",
            Description="Target of the custom domain: the CNAME value for route53-failover",
            Value=GetAtt(domain_name, "RegionalDomainName"),
        )
    )
    return t
