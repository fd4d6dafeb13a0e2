"""IAM roles with awacs policy documents: one trust principal, inline least-privilege policies."""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import AccountId, Sub, Template
from troposphere.iam import Policy, Role

# Services whose documentation has them pass aws:SourceAccount when they assume
# a customer role, so the trust policy can require this account: another
# account's state machine, flow log, rule... can then never be pointed at the
# role (the cross-service confused deputy). Services not listed (Lambda, EC2,
# Glue, Redshift, ECS tasks, API Gateway, CloudTrail) either do not send the
# key when assuming roles or do not document it, and a condition they do not
# satisfy would make the role unusable.
SOURCE_ACCOUNT_SERVICES = frozenset(
    {
        "appsync.amazonaws.com",
        "codebuild.amazonaws.com",
        "config.amazonaws.com",
        "events.amazonaws.com",
        "kinesisanalytics.amazonaws.com",
        "monitoring.rds.amazonaws.com",
        "states.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
    }
)


def trust_policy(service: str) -> PolicyDocument:
    """A trust policy for an AWS service principal, e.g. `lambda.amazonaws.com`.

    Limited to requests on behalf of this account where the service supports
    it (SOURCE_ACCOUNT_SERVICES).
    """
    statement = Statement(Effect=Allow, Principal=Principal("Service", [service]), Action=[AssumeRole])
    if service in SOURCE_ACCOUNT_SERVICES:
        statement.Condition = Condition(StringEquals("aws:SourceAccount", AccountId))
    return PolicyDocument(Version="2012-10-17", Statement=[statement])


def policy_document(*statements: Statement) -> PolicyDocument:
    return PolicyDocument(Version="2012-10-17", Statement=list(statements))


def service_role(
    t: Template,
    name: str,
    *,
    service: str,
    statements: Sequence[Statement] = (),
    managed_policy_arns: Sequence[object] = (),
    description: str | None = None,
    condition: str | None = None,
) -> Role:
    """A role assumable by one AWS service with one inline policy of `statements`.

    No RoleName: CloudFormation names it, so the stack needs only
    CAPABILITY_IAM and can be deployed twice in one account.
    """
    kwargs: dict = {"AssumeRolePolicyDocument": trust_policy(service)}
    if statements:
        kwargs["Policies"] = [Policy(PolicyName=f"{name}Policy", PolicyDocument=policy_document(*statements))]
    if managed_policy_arns:
        kwargs["ManagedPolicyArns"] = list(managed_policy_arns)
    if description:
        kwargs["Description"] = description
    if condition:
        kwargs["Condition"] = condition
    return t.add_resource(Role(name, **kwargs))


def partition_arn(service: str, resource: str, *, region: bool = True, account: bool = True) -> Sub:
    """`arn:${AWS::Partition}:<service>:<region>:<account>:<resource>` as a Sub."""
    region_part = "${AWS::Region}" if region else ""
    account_part = "${AWS::AccountId}" if account else ""
    return Sub(f"arn:${{AWS::Partition}}:{service}:{region_part}:{account_part}:{resource}")


def managed_policy_arn(name: str) -> Sub:
    """An AWS managed policy ARN in the stack's partition."""
    return Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")
