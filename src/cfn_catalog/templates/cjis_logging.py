"""Audit logging of the CJIS reference environment (child of `cjis-reference`).

Creates what every other part of the environment writes its evidence to:

- a customer-managed KMS key with yearly rotation whose key policy lets
  CloudTrail, CloudWatch Logs and CloudWatch alarms (through SNS) use it;
- the log bucket: KMS-encrypted, versioned, TLS-only, private, with server
  access logging into a second bucket, the access-log bucket. S3 server access
  logs and load balancer access logs can only be delivered to SSE-S3 buckets,
  so that second bucket uses SSE-S3 and also receives the application load
  balancer's access logs (under `alb/`);
- a CloudTrail trail over all regions with log file validation, encrypted with
  the key, also streamed to a CloudWatch Logs group where metric filters and
  alarms watch for security events (root use, denied calls, failed or
  MFA-less console sign-ins, IAM policy, trail, Config, security group and
  KMS key changes);
- the encrypted SNS topic every alarm in the environment notifies, with an
  e-mail subscription;
- the encrypted log group that records Session Manager sessions (the only
  administrative access path; see `cjis-iam`).

CJIS Security Policy 5.4 asks for audit records kept at least one year, so
log retention starts at 365 days.

Deploy it through `cjis-reference`; on its own it needs only an e-mail address.
"""

from awacs.aws import Allow, ArnLike, Condition, Principal, Statement, StringEquals, StringLike
from awacs.kms import Action as KmsAction
from awacs.logs import CreateLogStream, PutLogEvents
from awacs.s3 import GetBucketAcl, PutObject
from troposphere import GetAtt, Join, Output, Parameter, Ref, Sub, Template
from troposphere.cloudtrail import Trail
from troposphere.cloudwatch import Alarm
from troposphere.logs import MetricFilter, MetricTransformation
from troposphere.s3 import LoggingConfiguration

from cfn_catalog.blocks.cjis_environment import (
    ALB_LOG_PREFIX,
    audit_log_group,
    environment_parameter,
    retention_parameter,
)
from cfn_catalog.blocks.iam import service_role
from cfn_catalog.blocks.kms import kms_key, service_use_statement
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.s3 import default_lifecycle_rules, secure_bucket
from cfn_catalog.blocks.sns import encrypted_topic
from cfn_catalog.cjis import controls
from cfn_catalog.registry import register

EMAIL_PATTERN = r"^[^\s@]+@[^\s@]+\.[^\s@]+$"
ACCESS_LOG_PREFIX = "s3/log-bucket/"

# (logical id prefix, filter pattern, threshold, CJIS areas, what it means)
SECURITY_EVENTS = [
    (
        "RootAccountUsage",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        1,
        ("5.4", "5.5"),
        "The account root user was used",
    ),
    (
        "UnauthorizedApiCalls",
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        5,
        ("5.4", "5.5"),
        "API calls were denied",
    ),
    (
        "ConsoleSignInFailures",
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
        3,
        ("5.4", "5.6"),
        "Console sign-ins failed",
    ),
    (
        "ConsoleSignInWithoutMfa",
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
        '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
        1,
        ("5.4", "5.6"),
        "An IAM user signed in to the console without MFA",
    ),
    (
        "IamPolicyChanges",
        "{ ($.eventSource = iam.amazonaws.com) && (($.eventName = Put*Policy) || ($.eventName = Attach*Policy) || "
        "($.eventName = Detach*Policy) || ($.eventName = Delete*Policy) || ($.eventName = CreatePolicy*)) }",
        1,
        ("5.4", "5.5"),
        "An IAM policy was changed",
    ),
    (
        "CloudTrailChanges",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging) }",
        1,
        ("5.4", "5.7"),
        "A CloudTrail trail was changed or stopped",
    ),
    (
        "ConfigChanges",
        "{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || "
        "($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || "
        "($.eventName = PutConfigurationRecorder)) }",
        1,
        ("5.4", "5.7"),
        "AWS Config recording was changed or stopped",
    ),
    (
        "SecurityGroupChanges",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
        "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
        1,
        ("5.4", "5.10"),
        "A security group was changed",
    ),
    (
        "KmsKeyDisabledOrDeleted",
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
        1,
        ("5.4", "5.10"),
        "A KMS key was disabled or scheduled for deletion",
    ),
]


def alarm_email_parameter(t: Template) -> Parameter:
    return t.add_parameter(
        Parameter(
            "AlarmEmail",
            Type="String",
            AllowedPattern=EMAIL_PATTERN,
            ConstraintDescription="an e-mail address",
            Description="E-mail address subscribed to the alarm topic (confirm the subscription e-mail)",
        )
    )


def _parameters(t: Template):
    environment = environment_parameter(t)
    email = alarm_email_parameter(t)
    retention = retention_parameter(t)
    interface(
        t,
        [("Environment", [environment]), ("Audit logging", [email, retention])],
        labels={
            "EnvironmentName": "Environment name",
            "AlarmEmail": "Alarm e-mail",
            "LogRetentionDays": "Log retention (days)",
        },
    )
    return email, retention


def _key(t: Template):
    log_group_arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
    trail_arn = "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*"
    cloudtrail = Principal("Service", ["cloudtrail.amazonaws.com"])
    statements = [
        Statement(
            Sid="CloudTrailEncryptsLogs",
            Effect=Allow,
            Principal=cloudtrail,
            Action=[KmsAction("GenerateDataKey*")],
            Resource=["*"],
            Condition=Condition(
                [
                    StringLike("kms:EncryptionContext:aws:cloudtrail:arn", Sub(trail_arn)),
                    StringEquals("aws:SourceAccount", Ref("AWS::AccountId")),
                ]
            ),
        ),
        Statement(
            Sid="CloudTrailDescribesKey",
            Effect=Allow,
            Principal=cloudtrail,
            Action=[KmsAction("DescribeKey")],
            Resource=["*"],
            Condition=Condition(StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))),
        ),
        service_use_statement(
            "logs.${AWS::Region}.amazonaws.com",
            sid="CloudWatchLogsEncryptsLogGroups",
            conditions=Condition(ArnLike("kms:EncryptionContext:aws:logs:arn", Sub(log_group_arn))),
        ),
        service_use_statement("cloudwatch.amazonaws.com", sid="CloudWatchAlarmsPublishToTopic"),
    ]
    key = kms_key(
        t,
        "LogKey",
        description="Encrypts the CJIS environment's audit logs, log groups and alarm topic",
        service_statements=statements,
    )
    return controls(key, "5.10")


def _buckets(t: Template, key):
    access_log_arn = GetAtt("AccessLogBucket", "Arn")
    account = Ref("AWS::AccountId")
    access_log_bucket, access_log_policy = secure_bucket(
        t,
        "AccessLogBucket",
        lifecycle_rules=default_lifecycle_rules(noncurrent_days=365),
        extra_statements=[
            Statement(
                Sid="S3ServerAccessLogDelivery",
                Effect=Allow,
                Principal=Principal("Service", ["logging.s3.amazonaws.com"]),
                Action=[PutObject],
                Resource=[Join("", [access_log_arn, f"/{ACCESS_LOG_PREFIX}*"])],
                Condition=Condition(
                    [
                        StringEquals("aws:SourceAccount", account),
                        ArnLike("aws:SourceArn", GetAtt("LogBucket", "Arn")),
                    ]
                ),
            ),
            # The ELB log delivery service principal, which AWS now recommends in
            # every region over the legacy per-region ELB account ids.
            Statement(
                Sid="LoadBalancerAccessLogDelivery",
                Effect=Allow,
                Principal=Principal("Service", ["logdelivery.elasticloadbalancing.amazonaws.com"]),
                Action=[PutObject],
                Resource=[Join("", [access_log_arn, Sub(f"/{ALB_LOG_PREFIX}/AWSLogs/${{AWS::AccountId}}/*")])],
            ),
        ],
    )
    controls(access_log_bucket, "5.4", "5.10")
    controls(access_log_policy, "5.4", "5.10")
    accept_findings(
        access_log_bucket,
        checkov={
            "CKV_AWS_18": "this is the access-log destination itself; logging it into itself would loop",
        },
    )

    log_arn = GetAtt("LogBucket", "Arn")
    log_bucket, log_policy = secure_bucket(
        t,
        "LogBucket",
        kms_key_arn=GetAtt(key, "Arn"),
        lifecycle_rules=default_lifecycle_rules(noncurrent_days=365),
        logging=LoggingConfiguration(DestinationBucketName=Ref(access_log_bucket), LogFilePrefix=ACCESS_LOG_PREFIX),
        extra_statements=[
            Statement(
                Sid="CloudTrailAclCheck",
                Effect=Allow,
                Principal=Principal("Service", ["cloudtrail.amazonaws.com"]),
                Action=[GetBucketAcl],
                Resource=[log_arn],
                Condition=Condition(StringEquals("aws:SourceAccount", account)),
            ),
            Statement(
                Sid="CloudTrailWrite",
                Effect=Allow,
                Principal=Principal("Service", ["cloudtrail.amazonaws.com"]),
                Action=[PutObject],
                Resource=[Join("", [log_arn, Sub("/AWSLogs/${AWS::AccountId}/*")])],
                Condition=Condition(
                    StringEquals({"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account})
                ),
            ),
        ],
    )
    controls(log_bucket, "5.4", "5.10")
    controls(log_policy, "5.4", "5.10")
    return log_bucket, log_policy, access_log_bucket


def _trail(t: Template, key, log_bucket, log_policy, retention):
    group = audit_log_group(t, "TrailLogGroup", retention=Ref(retention), kms_key_arn=GetAtt(key, "Arn"))
    role = service_role(
        t,
        "TrailLogRole",
        service="cloudtrail.amazonaws.com",
        statements=[
            Statement(Effect=Allow, Action=[CreateLogStream, PutLogEvents], Resource=[GetAtt(group, "Arn")]),
        ],
        description="Lets CloudTrail deliver events to its CloudWatch Logs group",
    )
    trail = t.add_resource(
        Trail(
            "Trail",
            DependsOn=[log_policy.title],
            IsLogging=True,
            IsMultiRegionTrail=True,
            IncludeGlobalServiceEvents=True,
            EnableLogFileValidation=True,
            S3BucketName=Ref(log_bucket),
            KMSKeyId=GetAtt(key, "Arn"),
            CloudWatchLogsLogGroupArn=GetAtt(group, "Arn"),
            CloudWatchLogsRoleArn=GetAtt(role, "Arn"),
        )
    )
    return controls(trail, "5.4", "5.10"), group


def _security_alarms(t: Template, group, topic):
    namespace = Sub("CJIS/${EnvironmentName}")
    for name, pattern, threshold, areas, meaning in SECURITY_EVENTS:
        controls(
            t.add_resource(
                MetricFilter(
                    f"{name}MetricFilter",
                    LogGroupName=Ref(group),
                    FilterPattern=pattern,
                    MetricTransformations=[
                        MetricTransformation(MetricNamespace=namespace, MetricName=name, MetricValue="1")
                    ],
                )
            ),
            *areas,
        )
        controls(
            t.add_resource(
                Alarm(
                    f"{name}Alarm",
                    AlarmDescription=f"{meaning} (CloudTrail)",
                    Namespace=namespace,
                    MetricName=name,
                    Statistic="Sum",
                    Period=300,
                    EvaluationPeriods=1,
                    Threshold=threshold,
                    ComparisonOperator="GreaterThanOrEqualToThreshold",
                    TreatMissingData="notBreaching",
                    AlarmActions=[Ref(topic)],
                )
            ),
            *areas,
        )


@register
def build() -> Template:
    t = Template(
        Description="CJIS reference environment - audit logging: KMS key, encrypted versioned log buckets, "
        "multi-region CloudTrail with validation and security alarms, encrypted alarm topic"
    )
    email, retention = _parameters(t)
    key = _key(t)
    log_bucket, log_policy, access_log_bucket = _buckets(t, key)
    trail, trail_group = _trail(t, key, log_bucket, log_policy, retention)
    topic = controls(
        encrypted_topic(t, "AlarmTopic", display_name="CJIS alarms", kms_key=GetAtt(key, "Arn"), email_parameter=email),
        "5.4",
        "5.10",
    )
    _security_alarms(t, trail_group, topic)
    session_group = controls(
        audit_log_group(t, "SessionLogGroup", retention=Ref(retention), kms_key_arn=GetAtt(key, "Arn")), "5.5"
    )

    outputs = [
        ("LogKmsKeyArn", "ARN of the audit log KMS key", GetAtt(key, "Arn")),
        ("LogKmsKeyId", "Id of the audit log KMS key", Ref(key)),
        ("LogBucketName", "Bucket receiving CloudTrail and AWS Config logs", Ref(log_bucket)),
        ("LogBucketArn", "ARN of the log bucket", GetAtt(log_bucket, "Arn")),
        ("AccessLogBucketName", "SSE-S3 bucket receiving S3 and load balancer access logs", Ref(access_log_bucket)),
        ("AlarmTopicArn", "SNS topic every alarm notifies", Ref(topic)),
        ("TrailArn", "ARN of the CloudTrail trail", GetAtt(trail, "Arn")),
        ("TrailLogGroupName", "CloudWatch Logs group receiving CloudTrail events", Ref(trail_group)),
        ("SessionLogGroupName", "Log group recording Session Manager sessions", Ref(session_group)),
        ("SessionLogGroupArn", "ARN of the Session Manager log group", GetAtt(session_group, "Arn")),
    ]
    for name, description, value in outputs:
        t.add_output(Output(name, Description=description, Value=value))
    return t
