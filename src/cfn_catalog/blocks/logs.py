"""CloudWatch Logs log groups with a retention period."""

from __future__ import annotations

from troposphere import Template
from troposphere.logs import LogGroup

from cfn_catalog.blocks.metadata import accept_findings

DEFAULT_RETENTION_DAYS = 90


def log_group(
    t: Template,
    name: str,
    *,
    retention_days: object = DEFAULT_RETENTION_DAYS,
    kms_key_arn: object = None,
    log_group_name: object = None,
    condition: str | None = None,
    retain: bool = False,
) -> LogGroup:
    """A log group kept `retention_days`, encrypted with `kms_key_arn` when given.

    `retain` keeps it (and its records) when the stack is deleted: for audit logs.
    """
    props: dict = {"RetentionInDays": retention_days}
    if log_group_name is not None:
        props["LogGroupName"] = log_group_name
    if kms_key_arn is not None:
        props["KmsKeyId"] = kms_key_arn
    if condition:
        props["Condition"] = condition
    policy = "Retain" if retain else "Delete"
    group = LogGroup(name, DeletionPolicy=policy, UpdateReplacePolicy=policy, **props)
    if kms_key_arn is None:
        accept_findings(
            group,
            checkov={
                "CKV_AWS_158": "encrypted at rest with CloudWatch Logs service keys; operational logs only",
            },
        )
    return t.add_resource(group)
