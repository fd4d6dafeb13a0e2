"""AWS Config for the CJIS reference environment (child of `cjis-reference`).

Records the configuration of every supported resource (the configuration
baseline and change history CJIS 5.7 asks for) into the encrypted log bucket,
and evaluates AWS managed rules that check the environment keeps the
properties the other templates give it: CloudTrail on in all regions with
validation and encryption, flow logs, encrypted volumes, databases and
buckets, TLS-only and private buckets, no SSH or other risky ports open to the
world, IMDSv2, instances managed by Systems Manager, load balancers redirecting
to HTTPS behind WAF, key rotation, and the account's password policy and MFA.

An account has one configuration recorder per region. If AWS Config already
records here (for example under AWS Control Tower), set CreateConfigRecorder
to false: only the rules are added. Record global resources (IAM) in one
region only.
"""

from troposphere import Equals, If, Parameter, Ref, Template
from troposphere.cloudformation import WaitConditionHandle
from troposphere.config import (
    ConfigRule,
    ConfigSnapshotDeliveryProperties,
    ConfigurationRecorder,
    DeliveryChannel,
    RecordingGroup,
    Source,
)

from cfn_catalog.blocks.cjis_environment import BUCKET_PATTERN, kms_key_arn_parameter, switch_parameter
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.cjis import controls
from cfn_catalog.registry import register

# CJIS 5.6.2.1.1 basic password standards: expire within 90 days, no reuse of
# the last ten; the length exceeds its minimum of eight.
PASSWORD_POLICY = {
    "RequireUppercaseCharacters": "true",
    "RequireLowercaseCharacters": "true",
    "RequireSymbols": "true",
    "RequireNumbers": "true",
    "MinimumPasswordLength": "14",
    "PasswordReusePrevention": "10",
    "MaxPasswordAge": "90",
}

# (logical id, managed rule identifier, input parameters, CJIS areas)
RULES = [
    ("CloudTrailEnabledRule", "CLOUD_TRAIL_ENABLED", None, ("5.4",)),
    ("MultiRegionCloudTrailRule", "MULTI_REGION_CLOUD_TRAIL_ENABLED", None, ("5.4",)),
    ("CloudTrailLogValidationRule", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", None, ("5.4", "5.10")),
    ("CloudTrailEncryptionRule", "CLOUD_TRAIL_ENCRYPTION_ENABLED", None, ("5.4", "5.10")),
    ("VpcFlowLogsEnabledRule", "VPC_FLOW_LOGS_ENABLED", None, ("5.4", "5.10")),
    ("EncryptedVolumesRule", "ENCRYPTED_VOLUMES", None, ("5.10",)),
    ("RdsStorageEncryptedRule", "RDS_STORAGE_ENCRYPTED", None, ("5.10",)),
    ("RdsPublicAccessRule", "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", None, ("5.5", "5.10")),
    ("S3SslRequestsOnlyRule", "S3_BUCKET_SSL_REQUESTS_ONLY", None, ("5.10",)),
    ("S3PublicAccessProhibitedRule", "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", None, ("5.5", "5.10")),
    ("S3EncryptionRule", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", None, ("5.10",)),
    ("IncomingSshDisabledRule", "INCOMING_SSH_DISABLED", None, ("5.5", "5.10")),
    ("RestrictedIncomingTrafficRule", "RESTRICTED_INCOMING_TRAFFIC", None, ("5.5", "5.10")),
    ("IamPasswordPolicyRule", "IAM_PASSWORD_POLICY", PASSWORD_POLICY, ("5.6",)),
    ("RootMfaEnabledRule", "ROOT_ACCOUNT_MFA_ENABLED", None, ("5.6",)),
    ("ConsoleMfaEnabledRule", "MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", None, ("5.6",)),
    ("RootAccessKeyRule", "IAM_ROOT_ACCESS_KEY_CHECK", None, ("5.5", "5.6")),
    ("IamUserNoPoliciesRule", "IAM_USER_NO_POLICIES_CHECK", None, ("5.5",)),
    ("Imdsv2Rule", "EC2_IMDSV2_CHECK", None, ("5.7", "5.10")),
    ("InstancesManagedBySsmRule", "EC2_INSTANCE_MANAGED_BY_SSM", None, ("5.7",)),
    ("AlbHttpsRedirectRule", "ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK", None, ("5.10",)),
    ("AlbWafEnabledRule", "ALB_WAF_ENABLED", None, ("5.10",)),
    ("KmsKeyRotationRule", "CMK_BACKING_KEY_ROTATION_ENABLED", None, ("5.10",)),
]


def _parameters(t: Template):
    role = t.add_parameter(
        Parameter(
            "ConfigRoleArn",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
            ConstraintDescription="an IAM role ARN",
            Description="Role the recorder uses (cjis-iam output ConfigRoleArn)",
        )
    )
    bucket = t.add_parameter(
        Parameter(
            "LogBucketName",
            Type="String",
            AllowedPattern=BUCKET_PATTERN,
            ConstraintDescription="an S3 bucket name",
            Description="Bucket receiving configuration history and snapshots (cjis-logging LogBucketName)",
        )
    )
    key = kms_key_arn_parameter(t, "LogKmsKeyArn", "KMS key encrypting deliveries (cjis-logging LogKmsKeyArn)")
    create = switch_parameter(
        t,
        "CreateConfigRecorder",
        "Create the recorder and delivery channel; false when AWS Config already records here",
    )
    global_types = switch_parameter(
        t, "RecordGlobalResources", "Record IAM and other global resources (true in exactly one region)"
    )
    interface(
        t,
        [("Delivery", [role, bucket, key]), ("Recording", [create, global_types])],
        labels={
            "ConfigRoleArn": "Config role ARN",
            "LogBucketName": "Log bucket",
            "LogKmsKeyArn": "Log KMS key ARN",
            "CreateConfigRecorder": "Create the recorder",
            "RecordGlobalResources": "Record global resources",
        },
    )
    t.add_condition("CreateConfigRecorder", Equals(Ref(create), "true"))
    t.add_condition("RecordGlobalResources", Equals(Ref(global_types), "true"))
    return role, bucket, key


@register
def build() -> Template:
    t = Template(
        Description="CJIS reference environment - AWS Config: recorder and encrypted delivery channel (optional), "
        "managed rules for the environment's CJIS-relevant configuration"
    )
    role, bucket, key = _parameters(t)
    recorder = controls(
        t.add_resource(
            ConfigurationRecorder(
                "ConfigRecorder",
                Condition="CreateConfigRecorder",
                RoleARN=Ref(role),
                RecordingGroup=RecordingGroup(
                    AllSupported=True, IncludeGlobalResourceTypes=If("RecordGlobalResources", True, False)
                ),
            )
        ),
        "5.7",
    )
    channel = controls(
        t.add_resource(
            DeliveryChannel(
                "ConfigDeliveryChannel",
                Condition="CreateConfigRecorder",
                DependsOn=[recorder.title],
                S3BucketName=Ref(bucket),
                S3KmsKeyArn=Ref(key),
                ConfigSnapshotDeliveryProperties=ConfigSnapshotDeliveryProperties(DeliveryFrequency="TwentyFour_Hours"),
            )
        ),
        "5.4",
        "5.7",
    )
    # Rules need a recorder. When this stack creates it, they must wait for it;
    # a DependsOn cannot name a resource whose condition may be false, so the
    # dependency goes through this handle's metadata.
    ready = t.add_resource(
        WaitConditionHandle(
            "ConfigRecorderReady",
            Metadata={
                "Recorder": If("CreateConfigRecorder", Ref(recorder), ""),
                "DeliveryChannel": If("CreateConfigRecorder", Ref(channel), ""),
            },
        )
    )
    for logical_id, identifier, inputs, areas in RULES:
        props: dict = {"Source": Source(Owner="AWS", SourceIdentifier=identifier)}
        if inputs:
            props["InputParameters"] = inputs
        controls(t.add_resource(ConfigRule(logical_id, DependsOn=[ready.title], **props)), *areas)
    return t
