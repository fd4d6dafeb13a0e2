"""S3 buckets with the catalog's defaults: encrypted, private, versioned, TLS-only."""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import Bool, Condition, Deny, Principal, Statement
from awacs.s3 import Action as S3Action
from troposphere import Equals, GetAtt, If, Join, Not, Parameter, Ref, Template
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    LifecycleConfiguration,
    LifecycleRule,
    LoggingConfiguration,
    NoncurrentVersionExpiration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from cfn_catalog.blocks.iam import policy_document

BUCKET_NAME_PATTERN = r"^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
OPTIONAL_BUCKET_NAME_PATTERN = r"^$|" + BUCKET_NAME_PATTERN
BUCKET_NAME_RULE = "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
# A key prefix that policies grant on (`<bucket>/<prefix>*`): '/'-separated parts, each ending in '/'.
# No '*' or '?', which a policy reads as wildcards and which would widen the grant beyond the prefix.
POLICY_PREFIX_PATTERN = r"^([0-9A-Za-z_.-]+/)+$"


def optional_bucket_name(t: Template) -> tuple[Parameter, If]:
    """A `BucketName` parameter where empty lets CloudFormation name the bucket,
    and the value to give the bucket's BucketName property."""
    parameter = t.add_parameter(
        Parameter(
            "BucketName",
            Type="String",
            Default="",
            AllowedPattern=OPTIONAL_BUCKET_NAME_PATTERN,
            ConstraintDescription=f"{BUCKET_NAME_RULE}; leave empty to let CloudFormation name the bucket",
            Description="Name of the bucket (globally unique); empty lets CloudFormation choose one",
        )
    )
    t.add_condition("HasBucketName", Not(Equals(Ref(parameter), "")))
    return parameter, If("HasBucketName", Ref(parameter), Ref("AWS::NoValue"))


def optional_access_logging(t: Template, *, prefix: str) -> tuple[Parameter, If]:
    """An `AccessLogBucketName` parameter (empty turns server access logging off)
    and the LoggingConfiguration value that writes under `prefix` when it is set."""
    parameter = t.add_parameter(
        Parameter(
            "AccessLogBucketName",
            Type="String",
            Default="",
            AllowedPattern=OPTIONAL_BUCKET_NAME_PATTERN,
            ConstraintDescription="an existing bucket name, or empty",
            Description="Existing bucket that receives server access logs; empty turns access logging off",
        )
    )
    t.add_condition("HasAccessLogBucket", Not(Equals(Ref(parameter), "")))
    logging = If(
        "HasAccessLogBucket",
        LoggingConfiguration(DestinationBucketName=Ref(parameter), LogFilePrefix=prefix),
        Ref("AWS::NoValue"),
    )
    return parameter, logging


def templates_prefix(t: Template, *, description: str) -> Parameter:
    """A `TemplatesPrefix` parameter: where `cfn-catalog publish --prefix` puts the catalog in its bucket."""
    return t.add_parameter(
        Parameter(
            "TemplatesPrefix",
            Type="String",
            Default="cfn-catalog/",
            AllowedPattern=POLICY_PREFIX_PATTERN,
            ConstraintDescription="'/'-separated parts of letters, digits and _.- ending in '/', such as cfn-catalog/",
            Description=description,
        )
    )


OPTIONAL_LOGGING_FINDING = {
    "CKV_AWS_18": "access logging is on when AccessLogBucketName is given; a log bucket cannot be required "
    "of a first bucket in a new account",
}


def default_lifecycle_rules(*, noncurrent_days: object = 90) -> list[LifecycleRule]:
    """Expire old versions and abandoned multipart uploads."""
    return [
        LifecycleRule(
            Id="ExpireNoncurrentVersions",
            Status="Enabled",
            NoncurrentVersionExpiration=NoncurrentVersionExpiration(NoncurrentDays=noncurrent_days),
        ),
        LifecycleRule(
            Id="AbortIncompleteUploads",
            Status="Enabled",
            AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(DaysAfterInitiation=7),
        ),
    ]


def secure_bucket(
    t: Template,
    name: str,
    *,
    bucket_name: object = None,
    kms_key_arn: object = None,
    versioned: bool = True,
    lifecycle_rules: Sequence[LifecycleRule] | None = None,
    logging: object = None,
    retain: bool = True,
    extra_statements: Sequence[Statement] = (),
) -> tuple[Bucket, BucketPolicy]:
    """A bucket plus its TLS-only bucket policy.

    Encryption is SSE-S3 unless `kms_key_arn` is given; public access is blocked
    and ACLs are disabled (bucket owner enforced). `logging` is a
    LoggingConfiguration (or an `If` of one): always name a destination, since
    an empty one makes the bucket log into itself. `retain` keeps the bucket
    and its data when the stack is deleted or the bucket replaced.
    """
    if kms_key_arn is None:
        default = ServerSideEncryptionByDefault(SSEAlgorithm="AES256")
    else:
        default = ServerSideEncryptionByDefault(SSEAlgorithm="aws:kms", KMSMasterKeyID=kms_key_arn)
    props: dict = {
        "BucketEncryption": BucketEncryption(
            ServerSideEncryptionConfiguration=[
                ServerSideEncryptionRule(ServerSideEncryptionByDefault=default, BucketKeyEnabled=True)
                if kms_key_arn is not None
                else ServerSideEncryptionRule(ServerSideEncryptionByDefault=default)
            ]
        ),
        "PublicAccessBlockConfiguration": PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True, RestrictPublicBuckets=True
        ),
        "OwnershipControls": OwnershipControls(Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
    }
    if bucket_name is not None:
        props["BucketName"] = bucket_name
    if versioned:
        props["VersioningConfiguration"] = VersioningConfiguration(Status="Enabled")
    rules = default_lifecycle_rules() if lifecycle_rules is None else list(lifecycle_rules)
    if rules:
        props["LifecycleConfiguration"] = LifecycleConfiguration(Rules=rules)
    if logging is not None:
        props["LoggingConfiguration"] = logging
    policy_attrs = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"} if retain else {}
    bucket = t.add_resource(Bucket(name, **props, **policy_attrs))
    policy = t.add_resource(
        BucketPolicy(
            f"{name}Policy",
            Bucket=Ref(bucket),
            PolicyDocument=policy_document(tls_only_statement(bucket), *extra_statements),
        )
    )
    return bucket, policy


def tls_only_statement(bucket: Bucket) -> Statement:
    """Deny every request to the bucket and its objects made without TLS."""
    return Statement(
        Sid="DenyInsecureTransport",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[S3Action("*")],
        Resource=[GetAtt(bucket, "Arn"), Join("", [GetAtt(bucket, "Arn"), "/*"])],
        Condition=Condition(Bool("aws:SecureTransport", "false")),
    )
