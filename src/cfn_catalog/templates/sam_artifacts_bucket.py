"""A bucket per region for SAM and CloudFormation artifacts (packaged code, templates)."""

from troposphere import Equals, GetAtt, If, Not, Output, Parameter, Ref, Template
from troposphere.s3 import LoggingConfiguration

from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.s3 import default_lifecycle_rules, secure_bucket
from cfn_catalog.registry import register

BUCKET_NAME_PATTERN = r"^$|^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"


@register
def build() -> Template:
    t = Template(
        Description="Artifact bucket for SAM/CloudFormation packages in one region: encrypted, "
        "private, versioned, TLS-only, old versions expired."
    )
    bucket_name = t.add_parameter(
        Parameter(
            "BucketName",
            Type="String",
            Default="",
            AllowedPattern=BUCKET_NAME_PATTERN,
            ConstraintDescription="3-63 lowercase letters, digits, dots and hyphens, starting and ending "
            "with a letter or digit; leave empty to let CloudFormation name the bucket",
            Description="Name of the bucket (globally unique); empty lets CloudFormation choose one",
        )
    )
    noncurrent_days = t.add_parameter(
        Parameter(
            "NoncurrentVersionExpirationDays",
            Type="Number",
            Default=30,
            MinValue=1,
            MaxValue=3650,
            Description="Days after which replaced artifact versions are deleted",
        )
    )
    log_bucket = t.add_parameter(
        Parameter(
            "AccessLogBucketName",
            Type="String",
            Default="",
            AllowedPattern=BUCKET_NAME_PATTERN,
            Description="Existing bucket that receives server access logs; empty turns access logging off",
        )
    )
    t.add_condition("HasBucketName", Not(Equals(Ref(bucket_name), "")))
    t.add_condition("HasAccessLogBucket", Not(Equals(Ref(log_bucket), "")))
    interface(
        t,
        [("Bucket", [bucket_name, noncurrent_days]), ("Logging", [log_bucket])],
        labels={
            "BucketName": "Bucket name",
            "NoncurrentVersionExpirationDays": "Keep replaced versions (days)",
            "AccessLogBucketName": "Access log bucket",
        },
    )
    bucket, _ = secure_bucket(
        t,
        "ArtifactBucket",
        bucket_name=If("HasBucketName", Ref(bucket_name), Ref("AWS::NoValue")),
        lifecycle_rules=default_lifecycle_rules(noncurrent_days=Ref(noncurrent_days)),
        logging=If(
            "HasAccessLogBucket",
            LoggingConfiguration(DestinationBucketName=Ref(log_bucket), LogFilePrefix="artifacts/"),
            Ref("AWS::NoValue"),
        ),
    )
    accept_findings(
        bucket,
        checkov={
            "CKV_AWS_18": "access logging is on when AccessLogBucketName is given; a log bucket "
            "cannot be required of a first bucket in a new account"
        },
    )
    t.add_output(Output("BucketName", Description="Name of the artifact bucket", Value=Ref(bucket)))
    t.add_output(Output("BucketArn", Description="ARN of the artifact bucket", Value=GetAtt(bucket, "Arn")))
    return t
