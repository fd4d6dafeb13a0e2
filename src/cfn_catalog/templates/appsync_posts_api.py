"""A GraphQL Posts API on AWS AppSync backed by a DynamoDB table.

The solution of "AWS AppSync - Production-Ready with Six New Features": an
API-key GraphQL API whose `Post` objects live in an encrypted, on-demand
DynamoDB table with point-in-time recovery. It shows two of the post's
features: `postsByIds` reads many posts in one DynamoDB BatchGetItem call
(batch operations), and `onPutPost` has a resolver of its own that runs when a
client subscribes (subscription resolvers). Every other field is a DynamoDB
unit resolver.

Resolvers are JavaScript (the APPSYNC_JS runtime) kept as real files in
`cfn_catalog/functions/posts_*.js`, the schema in `posts_schema.graphql`; both
are embedded in the template, so the stack needs nothing but itself. The API
logs to CloudWatch (field level from `FieldLogLevel`, request/response
content excluded) into a log group kept 90 days, and traces with X-Ray. An
AWS WAF web ACL (on by default, `EnableWaf`) rate-limits each client IP
(`RateLimitPerIp`) and applies AWS's common and known-bad-input rule sets,
which also caps what an abusive client can cost in DynamoDB reads; its logs
redact the `x-api-key` header.

Use it as the starting point of an AppSync API that must be observable and
encrypted from day one. API keys suit development and public read-mostly
APIs; add Cognito or IAM authorization for anything user-specific.

## API key renewal

AppSync API keys expire (AppSync accepts an expiry between 1 and 365 days
ahead, and a key created without one expires after 7 days); after that every
request fails with 401. By default (`ApiKeyExpires` 0) the stack keeps the key
valid by itself, with no client-side computation:

- a custom resource (`ApiKeyRenewal`) sets the key's expiry to
  `ApiKeyRenewalDays` days ahead (30 by default, 2 to 365) when the stack
  creates it, and again on an update that changes the days;
- an EventBridge rule runs the same function (`RenewApiKey`, code in
  `functions/renew_api_key.py`) every day, which moves the expiry to
  `ApiKeyRenewalDays` days ahead again. The key keeps its value.

The function may only call appsync:UpdateApiKey on this API. If renewals stop
(the function fails: see its Errors metric and logs), the key still works
until the last expiry set, up to `ApiKeyRenewalDays` days.

To manage the expiry yourself instead, set `ApiKeyExpires` to an epoch time
1 to 365 days ahead (rounded down to the hour): no renewal function is
created, and you renew by updating the stack with a later `ApiKeyExpires`.
"""

from awacs.appsync import UpdateApiKey
from awacs.aws import Allow, Condition, Statement, StringEquals
from awacs.dynamodb import BatchGetItem, GetItem, PutItem, Scan
from awacs.kms import Decrypt, DescribeKey, Encrypt, GenerateDataKey
from awacs.logs import CreateLogGroup, CreateLogStream, PutLogEvents
from troposphere import Equals, GetAtt, If, Not, Output, Parameter, Ref, Sub, Tags, Template
from troposphere.appsync import (
    ApiKey,
    AppSyncRuntime,
    DataSource,
    DynamoDBConfig,
    GraphQLApi,
    GraphQLSchema,
    LogConfig,
    Resolver,
)
from troposphere.awslambda import Permission
from troposphere.cloudformation import CustomResource
from troposphere.dynamodb import (
    AttributeDefinition,
    KeySchema,
    PointInTimeRecoverySpecification,
    SSESpecification,
    Table,
)
from troposphere.events import Rule, Target
from troposphere.iam import PolicyType
from troposphere.wafv2 import (
    AllowAction,
    BlockAction,
    DefaultAction,
    LoggingConfigurationFieldToMatch,
    ManagedRuleGroupStatement,
    OverrideAction,
    RateBasedStatement,
    RuleAction,
    SingleHeader,
    VisibilityConfig,
    WebACL,
    WebACLAssociation,
    WebACLRule,
)
from troposphere.wafv2 import LoggingConfiguration as WafLoggingConfiguration
from troposphere.wafv2 import Statement as WafStatement

from cfn_catalog import functions
from cfn_catalog.blocks.iam import policy_document, service_role
from cfn_catalog.blocks.kms import kms_key
from cfn_catalog.blocks.lambdas import python_function
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

SCHEMA_FILE = "posts_schema.graphql"
JS_RUNTIME = {"Name": "APPSYNC_JS", "RuntimeVersion": "1.0.0"}
TABLE_ENV_VARIABLE = "POSTS_TABLE"
DYNAMODB_SOURCE = "PostsTable"
NONE_SOURCE = "None"
RENEWAL_CONDITION = "RenewsApiKey"

# (logical id, type, field, data source name, resolver code file)
RESOLVERS = (
    ("SinglePostResolver", "Query", "singlePost", DYNAMODB_SOURCE, "posts_single_post.js"),
    ("AllPostsResolver", "Query", "allPosts", DYNAMODB_SOURCE, "posts_all_posts.js"),
    ("PostsByIdsResolver", "Query", "postsByIds", DYNAMODB_SOURCE, "posts_by_ids.js"),
    ("PutPostResolver", "Mutation", "putPost", DYNAMODB_SOURCE, "posts_put_post.js"),
    ("OnPutPostResolver", "Subscription", "onPutPost", NONE_SOURCE, "posts_on_put_post.js"),
)


class ApiKeyRenewal(CustomResource):
    """Sets the API key's expiry when the stack creates or updates it (functions/renew_api_key.py)."""

    resource_type = "Custom::AppSyncApiKeyRenewal"


def _parameters(t: Template) -> tuple[Parameter, Parameter, Parameter]:
    field_log_level = t.add_parameter(
        Parameter(
            "FieldLogLevel",
            Type="String",
            Default="ERROR",
            AllowedValues=["NONE", "ERROR", "INFO", "DEBUG", "ALL"],
            Description="Field-level resolver logging: ERROR logs failing fields only; INFO, DEBUG and ALL "
            "log more of every request (and cost more); NONE keeps only request-level logs",
        )
    )
    expires = t.add_parameter(
        Parameter(
            "ApiKeyExpires",
            Type="Number",
            Default=0,
            MinValue=0,
            MaxValue=9999999999,
            Description="Expiry of the API key in epoch seconds, between 1 and 365 days from the deployment "
            "(rounded down to the hour), renewed by updating the stack with a later time; 0 (default) has "
            "the stack renew the key daily, ApiKeyRenewalDays ahead",
        )
    )
    t.add_parameter(
        Parameter(
            "ApiKeyRenewalDays",
            Type="Number",
            Default=30,
            MinValue=2,
            MaxValue=365,
            Description="With ApiKeyExpires 0: a daily renewal keeps the API key valid this many days ahead "
            "(the most it stays valid if renewals stop)",
        )
    )
    enable_waf = t.add_parameter(
        Parameter(
            "EnableWaf",
            Type="String",
            Default="true",
            AllowedValues=["true", "false"],
            Description="Protect the API with an AWS WAF web ACL (per-IP rate limit, AWS managed common and "
            "known-bad-input rules, logs without the API key); false only for throwaway environments",
        )
    )
    rate_limit = t.add_parameter(
        Parameter(
            "RateLimitPerIp",
            Type="Number",
            Default=1000,
            MinValue=10,
            MaxValue=2000000000,
            Description="Requests one IP address may make in 5 minutes before WAF blocks it (with EnableWaf)",
        )
    )
    interface(
        t,
        [
            ("Logging", [field_log_level]),
            ("API key", [expires, t.parameters["ApiKeyRenewalDays"]]),
            ("Protection", [enable_waf, rate_limit]),
        ],
        labels={
            "FieldLogLevel": "Field log level",
            "ApiKeyExpires": "API key expiry (epoch seconds; 0: renewed daily)",
            "ApiKeyRenewalDays": "API key validity kept by the renewal (days)",
            "EnableWaf": "Enable AWS WAF",
            "RateLimitPerIp": "Rate limit per IP (requests / 5 min)",
        },
    )
    t.add_condition("HasApiKeyExpiry", Not(Equals(Ref(expires), 0)))
    t.add_condition(RENEWAL_CONDITION, Equals(Ref(expires), 0))
    t.add_condition("HasWaf", Equals(Ref(enable_waf), "true"))
    return field_log_level, expires, rate_limit


def _key_renewal(t: Template, api: GraphQLApi, api_key: ApiKey) -> None:
    """Daily renewal of the API key (and once at creation), when ApiKeyExpires is 0."""
    ids = {"API_ID": GetAtt(api, "ApiId"), "API_KEY_ID": GetAtt(api_key, "ApiKeyId")}
    renewer = python_function(
        t,
        "RenewApiKey",
        module="renew_api_key",
        handler="handler",
        description="Moves the Posts API key's expiry ApiKeyRenewalDays ahead (daily, and at creation)",
        timeout=30,
        condition=RENEWAL_CONDITION,
        environment={**ids, "RENEWAL_DAYS": Ref("ApiKeyRenewalDays")},
        statements=[
            # UpdateApiKey is authorized on the API (IAM has no API-key resource type).
            Statement(Sid="RenewThisApisKeys", Effect=Allow, Action=[UpdateApiKey], Resource=[GetAtt(api, "Arn")])
        ],
        accepted={
            "CKV_AWS_116": "runs on a daily schedule (the next run retries) or as a custom resource whose "
            "failure is reported to the stack; a dead-letter queue adds nothing",
            "CKV_AWS_117": "calls only the AppSync API; running in a VPC would add endpoints or NAT for nothing",
            "CKV_AWS_173": "environment holds the API and key ids and a day count, no secret",
        },
    )
    rule = t.add_resource(
        Rule(
            "ApiKeyRenewalSchedule",
            Condition=RENEWAL_CONDITION,
            Description="Renews the Posts API key daily",
            ScheduleExpression="rate(1 day)",
            State="ENABLED",
            Targets=[Target(Id="RenewApiKey", Arn=GetAtt(renewer, "Arn"))],
        )
    )
    t.add_resource(
        Permission(
            "ApiKeyRenewalPermission",
            Condition=RENEWAL_CONDITION,
            Action="lambda:InvokeFunction",
            FunctionName=Ref(renewer),
            Principal="events.amazonaws.com",
            SourceArn=GetAtt(rule, "Arn"),
        )
    )
    t.add_resource(
        ApiKeyRenewal(
            "ApiKeyRenewal",
            Condition=RENEWAL_CONDITION,
            ServiceToken=GetAtt(renewer, "Arn"),
            ApiId=ids["API_ID"],
            ApiKeyId=ids["API_KEY_ID"],
            RenewalDays=Ref("ApiKeyRenewalDays"),
        )
    )


def _visibility(name: str) -> VisibilityConfig:
    return VisibilityConfig(CloudWatchMetricsEnabled=True, MetricName=name, SampledRequestsEnabled=True)


def _managed_rule(name: str, priority: int) -> WebACLRule:
    return WebACLRule(
        Name=name,
        Priority=priority,
        OverrideAction=OverrideAction(**{"None": {}}),
        Statement=WafStatement(ManagedRuleGroupStatement=ManagedRuleGroupStatement(VendorName="AWS", Name=name)),
        VisibilityConfig=_visibility(name),
    )


def _waf(t: Template, api: GraphQLApi, rate_limit: Parameter) -> WebACL:
    """A regional web ACL in front of the API, with its logs (API key redacted)."""
    acl = t.add_resource(
        WebACL(
            "WebAcl",
            Condition="HasWaf",
            Scope="REGIONAL",
            Description="Protects the AppSync Posts API",
            DefaultAction=DefaultAction(Allow=AllowAction()),
            VisibilityConfig=_visibility("PostsApi"),
            Rules=[
                WebACLRule(
                    Name="RateLimitPerIp",
                    Priority=0,
                    Action=RuleAction(Block=BlockAction()),
                    Statement=WafStatement(
                        RateBasedStatement=RateBasedStatement(
                            AggregateKeyType="IP", Limit=Ref(rate_limit), EvaluationWindowSec=300
                        )
                    ),
                    VisibilityConfig=_visibility("RateLimitPerIp"),
                ),
                _managed_rule("AWSManagedRulesCommonRuleSet", 1),
                _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 2),
            ],
        )
    )
    t.add_resource(
        WebACLAssociation(
            "WebAclAssociation", Condition="HasWaf", ResourceArn=GetAtt(api, "Arn"), WebACLArn=GetAtt(acl, "Arn")
        )
    )
    # WAF only delivers to log groups named aws-waf-logs-*, addressed without the ":*" suffix.
    group = log_group(
        t, "WafLogGroup", condition="HasWaf", log_group_name=Sub("aws-waf-logs-${AWS::StackName}-posts-api")
    )
    t.add_resource(
        WafLoggingConfiguration(
            "WafLogging",
            Condition="HasWaf",
            ResourceArn=GetAtt(acl, "Arn"),
            LogDestinationConfigs=[
                Sub(f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{group.title}}}")
            ],
            RedactedFields=[LoggingConfigurationFieldToMatch(SingleHeader=SingleHeader(Name="x-api-key"))],
        )
    )
    return acl


def _table(t: Template) -> tuple[Table, object]:
    key = kms_key(t, "PostsTableKey", description="Encrypts the Posts table of the AppSync Posts API")
    table = t.add_resource(
        Table(
            "PostsTable",
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[AttributeDefinition(AttributeName="id", AttributeType="S")],
            KeySchema=[KeySchema(AttributeName="id", KeyType="HASH")],
            SSESpecification=SSESpecification(SSEEnabled=True, SSEType="KMS", KMSMasterKeyId=GetAtt(key, "Arn")),
            PointInTimeRecoverySpecification=PointInTimeRecoverySpecification(PointInTimeRecoveryEnabled=True),
            Tags=Tags(Application="appsync-posts-api"),
        )
    )
    return table, key


def _logging(t: Template, api: GraphQLApi, role) -> tuple[object, PolicyType]:
    """AppSync's log group, kept 90 days, and the role's right to write to it.

    The group's name contains the API id, and the API needs the role first, so
    the role's policy is a separate resource created after the API.
    """
    name = f"/aws/appsync/apis/${{{api.title}.ApiId}}"
    group = log_group(t, "ApiLogGroup", log_group_name=Sub(name))
    group_arn = f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{name}"
    policy = t.add_resource(
        PolicyType(
            "ApiLoggingPolicy",
            PolicyName="AppSyncApiLogging",
            Roles=[Ref(role)],
            PolicyDocument=policy_document(
                Statement(
                    Effect=Allow,
                    Action=[CreateLogGroup, CreateLogStream, PutLogEvents],
                    Resource=[Sub(group_arn), Sub(group_arn + ":*")],
                )
            ),
        )
    )
    return group, policy


@register
def build() -> Template:
    t = Template(
        Description="AppSync GraphQL Posts API (API key, JavaScript resolvers, batch reads, subscription "
        "resolver) on an encrypted on-demand DynamoDB table, with CloudWatch logs and X-Ray tracing"
    )
    field_log_level, expires, rate_limit = _parameters(t)
    table, key = _table(t)

    log_role = service_role(
        t,
        "ApiLoggingRole",
        service="appsync.amazonaws.com",
        description="Lets AppSync write the Posts API's logs to its own log group",
    )
    api = t.add_resource(
        GraphQLApi(
            "GraphQLApi",
            Name=Sub("${AWS::StackName}-posts"),
            AuthenticationType="API_KEY",
            XrayEnabled=True,
            LogConfig=LogConfig(
                CloudWatchLogsRoleArn=GetAtt(log_role, "Arn"),
                FieldLogLevel=Ref(field_log_level),
                ExcludeVerboseContent=True,
            ),
            EnvironmentVariables={TABLE_ENV_VARIABLE: Ref(table)},
            Tags=Tags(Application="appsync-posts-api"),
        )
    )
    group, logging_policy = _logging(t, api, log_role)
    schema = t.add_resource(
        GraphQLSchema(
            "GraphQLSchema",
            DependsOn=[group.title, logging_policy.title],
            ApiId=GetAtt(api, "ApiId"),
            Definition=functions.read(SCHEMA_FILE),
        )
    )
    api_key = t.add_resource(
        ApiKey(
            "ApiKey",
            ApiId=GetAtt(api, "ApiId"),
            Description="Key for clients of the Posts API",
            Expires=If("HasApiKeyExpiry", Ref(expires), Ref("AWS::NoValue")),
        )
    )
    _key_renewal(t, api, api_key)

    table_role = service_role(
        t,
        "PostsTableAccessRole",
        service="appsync.amazonaws.com",
        description="Lets the Posts API's DynamoDB data source read and write items of the Posts table",
        statements=[
            Statement(
                Effect=Allow,
                Action=[GetItem, PutItem, BatchGetItem, Scan],
                Resource=[GetAtt(table, "Arn")],
            ),
            # DynamoDB uses the table's key on the caller's behalf; only through DynamoDB.
            Statement(
                Effect=Allow,
                Action=[Decrypt, Encrypt, GenerateDataKey, DescribeKey],
                Resource=[GetAtt(key, "Arn")],
                Condition=Condition(StringEquals("kms:ViaService", Sub("dynamodb.${AWS::Region}.amazonaws.com"))),
            ),
        ],
    )
    sources = {
        DYNAMODB_SOURCE: t.add_resource(
            DataSource(
                "PostsDataSource",
                ApiId=GetAtt(api, "ApiId"),
                Name=DYNAMODB_SOURCE,
                Description="The Posts DynamoDB table",
                Type="AMAZON_DYNAMODB",
                ServiceRoleArn=GetAtt(table_role, "Arn"),
                DynamoDBConfig=DynamoDBConfig(AwsRegion=Ref("AWS::Region"), TableName=Ref(table)),
            )
        ),
        NONE_SOURCE: t.add_resource(
            DataSource(
                "NoneDataSource",
                ApiId=GetAtt(api, "ApiId"),
                Name=NONE_SOURCE,
                Description="Local resolvers (subscriptions)",
                Type="NONE",
            )
        ),
    }
    for logical_id, type_name, field, source, code in RESOLVERS:
        t.add_resource(
            Resolver(
                logical_id,
                DependsOn=[schema.title],
                ApiId=GetAtt(api, "ApiId"),
                TypeName=type_name,
                FieldName=field,
                Kind="UNIT",
                DataSourceName=GetAtt(sources[source], "Name"),
                Runtime=AppSyncRuntime(**JS_RUNTIME),
                Code=functions.read(code),
            )
        )

    _waf(t, api, rate_limit)

    t.add_output(Output("GraphQLApiId", Description="Id of the GraphQL API", Value=GetAtt(api, "ApiId")))
    t.add_output(Output("GraphQLUrl", Description="GraphQL endpoint URL", Value=GetAtt(api, "GraphQLUrl")))
    t.add_output(
        Output("RealtimeUrl", Description="WebSocket endpoint for subscriptions", Value=GetAtt(api, "RealtimeUrl"))
    )
    # The ApiKey attribute would be the secret itself; output only its id
    # (`aws appsync list-api-keys` shows the value to whoever may see it).
    t.add_output(Output("ApiKeyId", Description="Id of the API key", Value=GetAtt(api_key, "ApiKeyId")))
    t.add_output(Output("PostsTableName", Description="Name of the Posts table", Value=Ref(table)))
    return t
