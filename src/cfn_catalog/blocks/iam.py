"""IAM roles with awacs policy documents: one trust principal, inline least-privilege policies."""

from __future__ import annotations

from collections.abc import Sequence

from awacs.aws import Allow, PolicyDocument, Principal, Statement
from awacs.sts import AssumeRole
from troposphere import Sub, Template
from troposphere.iam import Policy, Role


def trust_policy(service: str) -> PolicyDocument:
    """A trust policy for an AWS service principal, e.g. `lambda.amazonaws.com`."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[Statement(Effect=Allow, Principal=Principal("Service", [service]), Action=[AssumeRole])],
    )


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
