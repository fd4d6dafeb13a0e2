"""Identities of the CJIS reference environment (child of `cjis-reference`).

- `ServerRole` and its instance profile, for every web and application
  server: Session Manager access (AmazonSSMManagedInstanceCore), the
  CloudWatch agent, and just enough to write encrypted session logs.
- `ConfigRole`, for the AWS Config recorder: the AWS managed read policy plus
  write access to the Config prefix of the log bucket and use of the log key.
- `SessionManagerAdminPolicy`, a managed policy to attach to the
  administrators' (federated) roles: start Session Manager shells or port
  forwarding only on instances tagged with this environment, and resume or end
  only their own sessions. Administrative access goes through Session
  Manager, never SSH or RDP, so it is authenticated by IAM, logged and
  encrypted. Enforce multi-factor authentication at the identity provider
  (CJIS advanced authentication); the policy does not test
  aws:MultiFactorAuthPresent because federated sessions do not carry it.
- Optionally the account's Session Manager preferences
  (`SSM-SessionManagerRunShell`): sessions encrypted with the log key,
  streamed to the encrypted session log group, ended after 15 idle minutes
  (CJIS session lock). There is one such document per account and region:
  set ConfigureSessionManager to false if it already exists.
"""

from awacs.aws import Allow, Condition, Statement, StringEquals
from awacs.ec2 import DescribeInstances
from awacs.kms import Decrypt, GenerateDataKey
from awacs.logs import CreateLogStream, DescribeLogGroups, DescribeLogStreams, PutLogEvents
from awacs.s3 import GetBucketAcl, PutObject
from awacs.ssm import (
    DescribeInstanceProperties,
    DescribeSessions,
    GetConnectionStatus,
    ResumeSession,
    StartSession,
    TerminateSession,
)
from troposphere import Equals, GetAtt, Output, Parameter, Ref, Sub, Template
from troposphere.iam import ManagedPolicy
from troposphere.ssm import Document

from cfn_catalog.blocks.cjis_environment import (
    BUCKET_PATTERN,
    ENVIRONMENT_TAG,
    environment_parameter,
    kms_key_arn_parameter,
    switch_parameter,
)
from cfn_catalog.blocks.ec2 import ssm_instance_role
from cfn_catalog.blocks.iam import managed_policy_arn, partition_arn, policy_document, service_role
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.cjis import controls
from cfn_catalog.registry import register

IDLE_SESSION_MINUTES = "15"  # CJIS 5.5.5: session lock after at most 30 minutes of inactivity
MAX_SESSION_MINUTES = "480"
SESSION_DOCUMENTS = (
    "document/AWS-StartPortForwardingSession",
    "document/AWS-StartPortForwardingSessionToRemoteHost",
)


def _parameters(t: Template):
    environment = environment_parameter(t)
    key_arn = kms_key_arn_parameter(t, "LogKmsKeyArn", "KMS key of the audit logs (cjis-logging LogKmsKeyArn)")
    key_id = t.add_parameter(
        Parameter(
            "LogKmsKeyId",
            Type="String",
            AllowedPattern=r"^[0-9a-f-]{36}$",
            ConstraintDescription="a KMS key id (a UUID)",
            Description="Id of the same key (cjis-logging LogKmsKeyId), for Session Manager preferences",
        )
    )
    bucket = t.add_parameter(
        Parameter(
            "LogBucketName",
            Type="String",
            AllowedPattern=BUCKET_PATTERN,
            ConstraintDescription="an S3 bucket name",
            Description="Bucket AWS Config delivers to (cjis-logging LogBucketName)",
        )
    )
    session_group = t.add_parameter(
        Parameter(
            "SessionLogGroupName",
            Type="String",
            AllowedPattern=r"^[.\-_/#A-Za-z0-9]{1,512}$",
            ConstraintDescription="a CloudWatch Logs group name",
            Description="Log group recording sessions (cjis-logging SessionLogGroupName)",
        )
    )
    configure = switch_parameter(
        t,
        "ConfigureSessionManager",
        "Create the account's Session Manager preferences document; false if it already exists",
    )
    interface(
        t,
        [
            ("Environment", [environment]),
            ("Audit logging (from cjis-logging)", [key_arn, key_id, bucket, session_group]),
            ("Session Manager", [configure]),
        ],
        labels={
            "EnvironmentName": "Environment name",
            "LogKmsKeyArn": "Log KMS key ARN",
            "LogKmsKeyId": "Log KMS key id",
            "LogBucketName": "Log bucket",
            "SessionLogGroupName": "Session log group",
            "ConfigureSessionManager": "Configure Session Manager preferences",
        },
    )
    t.add_condition("ConfigureSessionManager", Equals(Ref(configure), "true"))
    return key_arn, key_id, session_group


def _session_log_group_arn(suffix: str = "") -> Sub:
    return partition_arn("logs", f"log-group:${{SessionLogGroupName}}{suffix}")


def _server_role(t: Template, key_arn):
    role, profile = ssm_instance_role(
        t,
        "Server",
        statements=[
            Statement(Sid="EncryptedSessions", Effect=Allow, Action=[Decrypt], Resource=[Ref(key_arn)]),
            Statement(
                Sid="SessionLogs",
                Effect=Allow,
                Action=[CreateLogStream, PutLogEvents, DescribeLogStreams],
                Resource=[_session_log_group_arn(":*")],
            ),
            # The agent checks the group's encryption; DescribeLogGroups is
            # authorized on the account's log groups as a whole.
            Statement(
                Sid="SessionLogGroupLookup",
                Effect=Allow,
                Action=[DescribeLogGroups],
                Resource=[partition_arn("logs", "log-group:*")],
            ),
        ],
        managed_policy_arns=[managed_policy_arn("CloudWatchAgentServerPolicy")],
    )
    controls(role, "5.5", "5.6")
    return role, profile


def _config_role(t: Template, key_arn):
    # The bucket is named by the LogBucketName parameter inside the Subs.
    bucket_arn = partition_arn("s3", "${LogBucketName}", region=False, account=False)
    role = service_role(
        t,
        "ConfigRole",
        service="config.amazonaws.com",
        managed_policy_arns=[managed_policy_arn("service-role/AWS_ConfigRole")],
        description="AWS Config recorder: reads resource configurations, delivers them to the log bucket",
        statements=[
            Statement(Sid="CheckBucket", Effect=Allow, Action=[GetBucketAcl], Resource=[bucket_arn]),
            Statement(
                Sid="DeliverToBucket",
                Effect=Allow,
                Action=[PutObject],
                Resource=[
                    partition_arn(
                        "s3", "${LogBucketName}/AWSLogs/${AWS::AccountId}/Config/*", region=False, account=False
                    )
                ],
                Condition=Condition(StringEquals("s3:x-amz-acl", "bucket-owner-full-control")),
            ),
            Statement(
                Sid="EncryptDeliveries", Effect=Allow, Action=[GenerateDataKey, Decrypt], Resource=[Ref(key_arn)]
            ),
        ],
    )
    return controls(role, "5.5", "5.7")


def _admin_policy(t: Template, key_arn):
    instances = partition_arn("ec2", "instance/*")
    statements = [
        Statement(
            Sid="StartSessionOnEnvironmentInstances",
            Effect=Allow,
            Action=[StartSession],
            Resource=[instances],
            Condition=Condition(StringEquals(f"ssm:resourceTag/{ENVIRONMENT_TAG}", Ref("EnvironmentName"))),
        ),
        Statement(
            Sid="StartSessionDocuments",
            Effect=Allow,
            Action=[StartSession],
            Resource=[
                partition_arn("ssm", "document/SSM-SessionManagerRunShell"),
                *(partition_arn("ssm", document, account=False) for document in SESSION_DOCUMENTS),
            ],
        ),
        Statement(
            Sid="ManageOwnSessions",
            Effect=Allow,
            Action=[ResumeSession, TerminateSession],
            Resource=[Sub("arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:session/${!aws:userid}-*")],
        ),
        # Listing and connection checks support no resource-level permissions.
        Statement(
            Sid="FindInstancesAndSessions",
            Effect=Allow,
            Action=[DescribeSessions, GetConnectionStatus, DescribeInstanceProperties, DescribeInstances],
            Resource=["*"],
        ),
        Statement(Sid="EncryptSessions", Effect=Allow, Action=[GenerateDataKey], Resource=[Ref(key_arn)]),
    ]
    policy = t.add_resource(
        ManagedPolicy(
            "SessionManagerAdminPolicy",
            Description="Administrative access to this CJIS environment through Session Manager only",
            PolicyDocument=policy_document(*statements),
        )
    )
    return controls(policy, "5.5", "5.6")


def _session_preferences(t: Template, key_id, session_group):
    document = t.add_resource(
        Document(
            "SessionManagerPreferences",
            Condition="ConfigureSessionManager",
            Name="SSM-SessionManagerRunShell",
            DocumentType="Session",
            DocumentFormat="JSON",
            UpdateMethod="NewVersion",
            Content={
                "schemaVersion": "1.0",
                "description": "Session Manager preferences: encrypted, logged, idle sessions end",
                "sessionType": "Standard_Stream",
                "inputs": {
                    "s3BucketName": "",
                    "s3KeyPrefix": "",
                    "s3EncryptionEnabled": True,
                    "cloudWatchLogGroupName": Ref(session_group),
                    "cloudWatchEncryptionEnabled": True,
                    "cloudWatchStreamingEnabled": True,
                    "kmsKeyId": Ref(key_id),
                    "runAsEnabled": False,
                    "runAsDefaultUser": "",
                    "idleSessionTimeout": IDLE_SESSION_MINUTES,
                    "maxSessionDuration": MAX_SESSION_MINUTES,
                    "shellProfile": {"windows": "", "linux": ""},
                },
            },
        )
    )
    return controls(document, "5.4", "5.5", "5.10")


@register
def build() -> Template:
    t = Template(
        Description="CJIS reference environment - IAM: server role with Session Manager, AWS Config role, "
        "Session Manager administrator policy and session preferences"
    )
    key_arn, key_id, session_group = _parameters(t)
    role, profile = _server_role(t, key_arn)
    config_role = _config_role(t, key_arn)
    admin_policy = _admin_policy(t, key_arn)
    _session_preferences(t, key_id, session_group)
    for name, description, value in (
        ("ServerRoleName", "Name of the server role", Ref(role)),
        ("ServerRoleArn", "ARN of the server role", GetAtt(role, "Arn")),
        ("ServerInstanceProfileArn", "Instance profile of the web and application servers", GetAtt(profile, "Arn")),
        ("ConfigRoleArn", "Role the AWS Config recorder uses", GetAtt(config_role, "Arn")),
        ("SessionManagerAdminPolicyArn", "Attach to administrator roles for Session Manager access", Ref(admin_policy)),
    ):
        t.add_output(Output(name, Description=description, Value=value))
    return t
