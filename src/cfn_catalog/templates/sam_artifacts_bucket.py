"""A bucket per region for SAM and CloudFormation artifacts (packaged code, templates).

Deploy it once in each region you deploy SAM applications to (the
multi-region hello-world API needs two), then point `sam deploy --s3-bucket`
or `aws cloudformation package --s3-bucket` at it. Replaced artifact versions
expire after `NoncurrentVersionExpirationDays`; the bucket and its contents
are kept when the stack is deleted.
"""

from troposphere import GetAtt, Output, Parameter, Ref, Template

from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.s3 import (
    OPTIONAL_LOGGING_FINDING,
    default_lifecycle_rules,
    optional_access_logging,
    optional_bucket_name,
    secure_bucket,
)
from cfn_catalog.registry import register


@register
def build() -> Template:
    t = Template(
        Description="Artifact bucket for SAM/CloudFormation packages in one region: encrypted, "
        "private, versioned, TLS-only, old versions expired."
    )
    bucket_name, bucket_name_value = optional_bucket_name(t)
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
    log_bucket, logging = optional_access_logging(t, prefix="artifacts/")
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
        bucket_name=bucket_name_value,
        lifecycle_rules=default_lifecycle_rules(noncurrent_days=Ref(noncurrent_days)),
        logging=logging,
    )
    accept_findings(bucket, checkov=OPTIONAL_LOGGING_FINDING)
    t.add_output(Output("BucketName", Description="Name of the artifact bucket", Value=Ref(bucket)))
    t.add_output(Output("BucketArn", Description="ARN of the artifact bucket", Value=GetAtt(bucket, "Arn")))
    return t
