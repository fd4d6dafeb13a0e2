"""Shared IAM roles and the encryption key of the modern data warehouse (child of `modern-dw-workload`).

Creates what the other children of the workload share and what must exist
before the databases do:

- `DataKey`, the customer managed KMS key (rotated yearly) that encrypts the
  Redshift cluster, the RDS PostgreSQL storage and Performance Insights, the
  master-password secrets that Redshift and RDS manage in AWS Secrets Manager,
  and the Tableau Server secret;
- `RedshiftRole`, which Redshift assumes to `COPY` the sample dataset: it may
  only list and read the dataset prefix;
- `RDSMonitoringRole`, which RDS enhanced monitoring uses to publish OS metrics.

The instance roles of the SQL worker and Tableau Server live beside their
instances, because their policies name secrets that sibling stacks create.
Deploy it through `modern-dw-workload` (or `modern-dw`), not alone.
"""

from awacs.aws import Allow, Condition, Statement, StringLike
from awacs.s3 import GetObject, ListBucket
from troposphere import GetAtt, Output, Parameter, Sub, Template

from cfn_catalog.blocks.iam import managed_policy_arn, service_role
from cfn_catalog.blocks.kms import kms_key
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

# The sample is the TICKIT dataset of the Amazon Redshift getting-started guide
# (the original Quick Start copied the same files into its own bucket).
DATASET_PARAMETERS: dict[str, dict] = {
    "DatasetS3BucketName": {
        "Type": "String",
        "Default": "redshift-downloads",
        "AllowedPattern": r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        "ConstraintDescription": "an S3 bucket name",
        "Description": "Bucket holding the TICKIT sample dataset loaded when LoadDataset is true",
    },
    "DatasetS3KeyPrefix": {
        "Type": "String",
        "Default": "tickit/",
        "AllowedPattern": r"^([0-9A-Za-z_.-]+/)*$",
        "ConstraintDescription": "an S3 key prefix ending with '/', or empty",
        "Description": "Key prefix of the dataset files (allusers_pipe.txt, venue_pipe.txt, ...); ends with '/'",
    },
}
DATASET_LABELS = {"DatasetS3BucketName": "Dataset bucket", "DatasetS3KeyPrefix": "Dataset key prefix"}


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse: KMS key, Redshift dataset-loading role and RDS monitoring role "
        "(child of modern-dw-workload)"
    )
    bucket, prefix = (t.add_parameter(Parameter(name, **spec)) for name, spec in DATASET_PARAMETERS.items())
    interface(t, [("Sample dataset", [bucket, prefix])], labels=DATASET_LABELS)

    key = kms_key(
        t,
        "DataKey",
        description="Encrypts the modern data warehouse: Redshift, RDS PostgreSQL, their managed secrets "
        "and the Tableau Server secret",
        alias=Sub("alias/${AWS::StackName}"),
    )
    redshift_role = service_role(
        t,
        "RedshiftRole",
        service="redshift.amazonaws.com",
        description="Lets the Redshift cluster COPY the sample dataset from S3",
        statements=[
            Statement(
                Effect=Allow,
                Action=[GetObject],
                Resource=[Sub("arn:${AWS::Partition}:s3:::${DatasetS3BucketName}/${DatasetS3KeyPrefix}*")],
            ),
            Statement(
                Effect=Allow,
                Action=[ListBucket],
                Resource=[Sub("arn:${AWS::Partition}:s3:::${DatasetS3BucketName}")],
                Condition=Condition(StringLike("s3:prefix", [Sub("${DatasetS3KeyPrefix}*")])),
            ),
        ],
    )
    monitoring_role = service_role(
        t,
        "RDSMonitoringRole",
        service="monitoring.rds.amazonaws.com",
        description="Lets RDS enhanced monitoring publish OS metrics of the PostgreSQL instance",
        managed_policy_arns=[managed_policy_arn("service-role/AmazonRDSEnhancedMonitoringRole")],
    )

    t.add_output(Output("KmsKeyArn", Description="ARN of the data encryption key", Value=GetAtt(key, "Arn")))
    t.add_output(
        Output(
            "RedshiftRoleArn", Description="Role Redshift assumes to COPY from S3", Value=GetAtt(redshift_role, "Arn")
        )
    )
    t.add_output(
        Output(
            "RDSMonitoringRoleArn",
            Description="Role of RDS enhanced monitoring",
            Value=GetAtt(monitoring_role, "Arn"),
        )
    )
    return t
