"""S3 buckets with the catalog's defaults: encrypted, private, versioned, TLS-only."""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import Bool, Condition, Deny, Principal, Statement
from awacs.s3 import Action as S3Action
from troposphere import GetAtt, Join, Ref, Template
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    LifecycleConfiguration,
    LifecycleRule,
    NoncurrentVersionExpiration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from cfn_catalog.blocks.iam import policy_document


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
