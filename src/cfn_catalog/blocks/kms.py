"""Customer-managed KMS keys: rotation on, the account root administers them."""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import Allow, Principal, Statement
from awacs.kms import Action as KmsAction
from troposphere import Sub, Template
from troposphere.kms import Alias, Key

from cfn_catalog.blocks.iam import policy_document


def account_root() -> Principal:
    return Principal("AWS", [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")])


def service_use_statement(service: str, *, sid: str, conditions: object = None) -> Statement:
    """Let an AWS service principal (e.g. `logs.${AWS::Region}.amazonaws.com`) use the key."""
    kwargs = {"Condition": conditions} if conditions is not None else {}
    return Statement(
        Sid=sid,
        Effect=Allow,
        Principal=Principal("Service", [Sub(service) if "${" in service else service]),
        Action=[
            KmsAction("Encrypt"),
            KmsAction("Decrypt"),
            KmsAction("ReEncrypt*"),
            KmsAction("GenerateDataKey*"),
            KmsAction("DescribeKey"),
        ],
        Resource=["*"],
        **kwargs,
    )


def kms_key(
    t: Template,
    name: str,
    *,
    description: str,
    alias: object = None,
    service_statements: Sequence[Statement] = (),
) -> Key:
    """A symmetric key with yearly rotation.

    The account root administers it (so IAM policies in the account decide who
    uses it); `service_statements` let AWS services encrypt with it.
    """
    key = t.add_resource(
        Key(
            name,
            Description=description,
            EnableKeyRotation=True,
            PendingWindowInDays=30,
            KeyPolicy=policy_document(
                Statement(
                    Sid="AccountAdministers",
                    Effect=Allow,
                    Principal=account_root(),
                    Action=[KmsAction("*")],
                    Resource=["*"],
                ),
                *service_statements,
            ),
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
        )
    )
    if alias is not None:
        t.add_resource(Alias(f"{name}Alias", AliasName=alias, TargetKeyId=key.Ref()))
    return key
