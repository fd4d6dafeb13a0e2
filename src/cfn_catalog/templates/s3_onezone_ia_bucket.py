"""A versioned S3 bucket that moves older data to S3 One Zone-Infrequent Access.

Use it for data you can re-create if an Availability Zone is lost (secondary
backup copies, thumbnails, replicated or derived data) and read rarely: One
Zone-IA stores it in a single zone for less than Standard-IA. The lifecycle:

- **Noncurrent versions** (replaced or deleted objects) move to ONEZONE_IA after
  `NoncurrentTransitionDays` (at least 30: the class's minimum) and are deleted
  after `NoncurrentExpirationDays`, which must be greater (S3 rejects the stack
  otherwise: both are in one lifecycle rule). CloudFormation cannot compare
  two numbers before it calls S3, so the template declares the order in its
  `Metadata` (`cfn-catalog.ParameterRules`) and `cfn-catalog params --check`
  rejects a profile that breaks it.
- **Current objects** optionally move to ONEZONE_IA after
  `CurrentTransitionDays` (0, the default, keeps them in Standard; otherwise at
  least 30).
- Objects of **128 KiB or less stay where they are**: One Zone-IA bills every
  object as at least 128 KiB, so the transitions filter on object size greater
  than 131072 bytes. Their noncurrent versions still expire, by a rule of their
  own.
- Expired delete markers are removed and incomplete multipart uploads aborted
  after 7 days.

The bucket is encrypted (SSE-S3), blocks all public access, disables ACLs,
denies requests without TLS, and is retained when the stack is deleted.
Server access logs go to `AccessLogBucketName` when it is given.
"""

from troposphere import Equals, GetAtt, If, Not, Output, Parameter, Ref, Template
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    LifecycleRule,
    LifecycleRuleTransition,
    NoncurrentVersionExpiration,
    NoncurrentVersionTransition,
)

from cfn_catalog.blocks.metadata import accept_findings, interface, parameter_order_rule
from cfn_catalog.blocks.s3 import (
    OPTIONAL_LOGGING_FINDING,
    optional_access_logging,
    optional_bucket_name,
    secure_bucket,
)
from cfn_catalog.registry import register

STORAGE_CLASS = "ONEZONE_IA"
# One Zone-IA bills objects as at least 128 KiB; smaller ones would cost more there.
MIN_OBJECT_BYTES = "131072"
# 0 (off) or a whole number of days from 30 to 9999.
OFF_OR_AT_LEAST_30 = r"^(0|[3-9][0-9]|[1-9][0-9]{2,3})$"


@register
def build() -> Template:
    t = Template(
        Description="Versioned, encrypted, private, TLS-only S3 bucket whose lifecycle moves noncurrent "
        "(optionally current) objects larger than 128 KiB to S3 One Zone-IA and expires old versions."
    )
    bucket_name, bucket_name_value = optional_bucket_name(t)
    noncurrent_transition = t.add_parameter(
        Parameter(
            "NoncurrentTransitionDays",
            Type="Number",
            Default=30,
            MinValue=30,
            MaxValue=3650,
            Description="Days after an object version is replaced or deleted before it moves to One Zone-IA "
            "(minimum 30); must be less than NoncurrentExpirationDays, or S3 rejects the lifecycle",
        )
    )
    noncurrent_expiration = t.add_parameter(
        Parameter(
            "NoncurrentExpirationDays",
            Type="Number",
            Default=365,
            MinValue=31,
            MaxValue=3650,
            Description="Days after an object version is replaced or deleted before it is deleted; must be "
            "greater than NoncurrentTransitionDays (equal or less: S3 rejects the lifecycle)",
        )
    )
    current_transition = t.add_parameter(
        Parameter(
            "CurrentTransitionDays",
            Type="String",
            Default="0",
            AllowedPattern=OFF_OR_AT_LEAST_30,
            ConstraintDescription="0, or a whole number of days from 30 to 9999",
            Description="Days after creation before current objects move to One Zone-IA (minimum 30); "
            "0 keeps current objects in S3 Standard",
        )
    )
    parameter_order_rule(t, noncurrent_expiration, greater_than=noncurrent_transition)
    log_bucket, logging = optional_access_logging(t, prefix="onezone-ia/")
    t.add_condition("TransitionsCurrentObjects", Not(Equals(Ref(current_transition), "0")))
    interface(
        t,
        [
            ("Bucket", [bucket_name]),
            ("Lifecycle", [noncurrent_transition, noncurrent_expiration, current_transition]),
            ("Logging", [log_bucket]),
        ],
        labels={
            "BucketName": "Bucket name",
            "NoncurrentTransitionDays": "Noncurrent versions to One Zone-IA after (days)",
            "NoncurrentExpirationDays": "Delete noncurrent versions after (days)",
            "CurrentTransitionDays": "Current objects to One Zone-IA after (days, 0 = never)",
            "AccessLogBucketName": "Access log bucket",
        },
    )

    rules = [
        LifecycleRule(
            Id="NoncurrentVersionsToOneZoneIA",
            Status="Enabled",
            ObjectSizeGreaterThan=MIN_OBJECT_BYTES,
            NoncurrentVersionTransitions=[
                NoncurrentVersionTransition(StorageClass=STORAGE_CLASS, TransitionInDays=Ref(noncurrent_transition))
            ],
            NoncurrentVersionExpiration=NoncurrentVersionExpiration(NoncurrentDays=Ref(noncurrent_expiration)),
        ),
        # The complement of the rule above: versions of small objects are not moved, but expire too.
        LifecycleRule(
            Id="ExpireSmallNoncurrentVersions",
            Status="Enabled",
            ObjectSizeLessThan=str(int(MIN_OBJECT_BYTES) + 1),
            NoncurrentVersionExpiration=NoncurrentVersionExpiration(NoncurrentDays=Ref(noncurrent_expiration)),
        ),
        If(
            "TransitionsCurrentObjects",
            LifecycleRule(
                Id="CurrentVersionsToOneZoneIA",
                Status="Enabled",
                ObjectSizeGreaterThan=MIN_OBJECT_BYTES,
                Transitions=[
                    LifecycleRuleTransition(StorageClass=STORAGE_CLASS, TransitionInDays=Ref(current_transition))
                ],
            ),
            Ref("AWS::NoValue"),
        ),
        LifecycleRule(
            Id="CleanUpDeleteMarkersAndUploads",
            Status="Enabled",
            ExpiredObjectDeleteMarker=True,
            AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(DaysAfterInitiation=7),
        ),
    ]
    bucket, _ = secure_bucket(
        t,
        "Bucket",
        bucket_name=bucket_name_value,
        lifecycle_rules=rules,
        logging=logging,
    )
    accept_findings(bucket, checkov=OPTIONAL_LOGGING_FINDING)
    t.add_output(Output("BucketName", Description="Name of the bucket", Value=Ref(bucket)))
    t.add_output(Output("BucketArn", Description="ARN of the bucket", Value=GetAtt(bucket, "Arn")))
    return t
