"""Glue encryption: a KMS key Glue's CloudWatch logs may use, and a security
configuration encrypting S3 output, logs and job bookmarks with it."""

from __future__ import annotations

from awacs.aws import ArnLike, Condition
from troposphere import GetAtt, Sub, Template
from troposphere.glue import (
    CloudWatchEncryption,
    EncryptionConfiguration,
    JobBookmarksEncryption,
    S3Encryption,
    SecurityConfiguration,
)
from troposphere.kms import Key

from cfn_catalog.blocks.kms import kms_key, service_use_statement

GLUE_LOG_GROUPS = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws-glue/*"


def glue_key(t: Template, name: str, *, description: str, alias: object, sid: str) -> Key:
    """A rotated key that CloudWatch Logs may use only for Glue's log groups."""
    return kms_key(
        t,
        name,
        description=description,
        alias=alias,
        service_statements=[
            service_use_statement(
                "logs.${AWS::Region}.amazonaws.com",
                sid=sid,
                conditions=Condition(ArnLike("kms:EncryptionContext:aws:logs:arn", Sub(GLUE_LOG_GROUPS))),
            )
        ],
    )


def security_configuration(t: Template, name: str, *, config_name: object, key: Key) -> SecurityConfiguration:
    """S3 output with SSE-S3, CloudWatch logs and job bookmarks with `key`."""
    return t.add_resource(
        SecurityConfiguration(
            name,
            Name=config_name,
            EncryptionConfiguration=EncryptionConfiguration(
                S3Encryptions=[S3Encryption(S3EncryptionMode="SSE-S3")],
                CloudWatchEncryption=CloudWatchEncryption(
                    CloudWatchEncryptionMode="SSE-KMS", KmsKeyArn=GetAtt(key, "Arn")
                ),
                JobBookmarksEncryption=JobBookmarksEncryption(
                    JobBookmarksEncryptionMode="CSE-KMS", KmsKeyArn=GetAtt(key, "Arn")
                ),
            ),
        )
    )
