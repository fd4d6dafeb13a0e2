"""Python Lambda functions whose code lives in `cfn_catalog.functions`.

Small handlers are embedded as inline code (CloudFormation's 4,096-character
limit is checked here); each function gets its own role, allowed to write only
to its own log group, plus whatever the caller grants.

No function reserves concurrency by default: Lambda keeps 100 executions of
the account's limit unreserved, so in an account whose limit is still the new
account's 10 (or any limit under 100 + the reservation) creating a function
with ReservedConcurrentExecutions fails. Where a cap is useful the template
offers `reserved_concurrency_parameter` (default 0: none); elsewhere checkov's
CKV_AWS_115 is accepted with the reason (`UNRESERVED_REASON`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from awacs.aws import Allow, Statement
from awacs.logs import CreateLogStream, PutLogEvents
from troposphere import Equals, GetAtt, If, Not, Parameter, Ref, Template
from troposphere.awslambda import Code, Environment, Function, LoggingConfig

from cfn_catalog import functions
from cfn_catalog.blocks.iam import service_role
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.metadata import accept_findings

PYTHON_RUNTIME = "python3.13"
INLINE_CODE_LIMIT = 4096
RESERVED_CONCURRENCY_PARAMETER = "ReservedConcurrency"
RESERVED_CONCURRENCY_CONDITION = "HasReservedConcurrency"
UNRESERVED_REASON = "reserving fails in accounts with a low limit"


def reserved_concurrency_parameter(t: Template, *, what: str = "each function") -> Parameter:
    """`ReservedConcurrency` (default 0: reserve none) and its `HasReservedConcurrency` condition.

    Pass the parameter as `python_function(reserved_concurrency=...)`, or use
    `reserved_concurrency_value(parameter)` as a function's ReservedConcurrentExecutions.
    """
    parameter = t.add_parameter(
        Parameter(
            RESERVED_CONCURRENCY_PARAMETER,
            Type="Number",
            Default=0,
            MinValue=0,
            MaxValue=1000,
            Description=f"Executions reserved for (and capping) {what}; 0: none. Reserving needs an account "
            "limit of 100 + the total reserved (new accounts: 10)",
        )
    )
    t.add_condition(RESERVED_CONCURRENCY_CONDITION, Not(Equals(Ref(parameter), 0)))
    return parameter


def reserved_concurrency_value(parameter: Parameter) -> If:
    """ReservedConcurrentExecutions from `reserved_concurrency_parameter`: absent when it is 0."""
    return If(RESERVED_CONCURRENCY_CONDITION, Ref(parameter), Ref("AWS::NoValue"))


def function_source(module: str) -> str:
    """The source of `cfn_catalog/functions/<module>.py`."""
    return functions.read(f"{module}.py")


INLINED_IMPORT = re.compile(r"^from cfn_catalog\.functions\.(\w+) import [\w, ]+  # inlined in templates$", re.M)


def _without_docstring(source: str) -> str:
    """A helper module's code as it is inlined: its docstring (the handler has its own) left out."""
    if source.startswith('"""'):
        source = source[source.index('"""', 3) + 3 :]
    return source.strip("\n")


def inline_source(module: str) -> str:
    """The source of a handler module, checked to fit inline in a template.

    Inline code is a single file with no access to this package, so a line
    `from cfn_catalog.functions.<helper> import ...  # inlined in templates`
    is replaced by the helper module's own source. Module docstrings are left
    out (they document the code here; templates are limited to 51,200 bytes).
    """
    source = INLINED_IMPORT.sub(
        lambda match: _without_docstring(function_source(match.group(1))), _without_docstring(function_source(module))
    )
    source += "\n"
    if re.search(r"^\s*(from|import) cfn_catalog\b", source, re.M):
        raise ValueError(f"functions/{module}.py imports from the package, which inline code cannot reach")
    if len(source) > INLINE_CODE_LIMIT:
        raise ValueError(
            f"functions/{module}.py has {len(source)} characters; inline code is limited to "
            f"{INLINE_CODE_LIMIT}: publish it as an asset instead"
        )
    return source


def log_statement(group: object) -> Statement:
    """Allow writing log streams of one log group."""
    return Statement(
        Effect=Allow,
        Action=[CreateLogStream, PutLogEvents],
        Resource=[GetAtt(group, "Arn")],
    )


def function_role_and_logs(
    t: Template,
    name: str,
    *,
    statements: Sequence[Statement] = (),
    retention_days: object = 90,
    condition: str | None = None,
):
    """The log group and execution role of function `name` (both under `condition`, if given)."""
    group = log_group(t, f"{name}LogGroup", retention_days=retention_days)
    if condition:
        group.Condition = condition
    role = service_role(
        t,
        f"{name}Role",
        service="lambda.amazonaws.com",
        statements=[log_statement(group), *statements],
        condition=condition,
    )
    return group, role


def python_function(
    t: Template,
    name: str,
    *,
    module: str,
    handler: str,
    description: str,
    statements: Sequence[Statement] = (),
    environment: dict | None = None,
    timeout: int = 30,
    memory: int = 256,
    reserved_concurrency: Parameter | None = None,
    accepted: dict[str, str] | None = None,
    retention_days: object = 90,
    condition: str | None = None,
    **extra: object,
) -> Function:
    """A Lambda function running `functions/<module>.py` inline, with its role and logs.

    `accepted` maps checkov check ids to the reason the finding is accepted for
    this function (e.g. no VPC because it calls only AWS APIs). With
    `condition`, the function, its role and its log group exist only when the
    template condition holds. `reserved_concurrency` is the template's
    `reserved_concurrency_parameter`; a fixed number is refused (see the
    module docstring), and without it the function reserves nothing.
    """
    if reserved_concurrency is not None and not isinstance(reserved_concurrency, Parameter):
        raise ValueError(
            f"{name}: a fixed reserved concurrency makes creation fail in accounts with a low concurrency "
            "limit; pass reserved_concurrency_parameter(t), whose default reserves nothing"
        )
    group, role = function_role_and_logs(
        t, name, statements=statements, retention_days=retention_days, condition=condition
    )
    props: dict = {
        "Description": description,
        "Runtime": PYTHON_RUNTIME,
        "Handler": f"index.{handler}",
        "Code": Code(ZipFile=inline_source(module)),
        "Role": GetAtt(role, "Arn"),
        "Timeout": timeout,
        "MemorySize": memory,
        "Architectures": ["arm64"],
        "LoggingConfig": LoggingConfig(LogGroup=Ref(group)),
    }
    if environment:
        props["Environment"] = Environment(Variables=environment)
    if reserved_concurrency is not None:
        props["ReservedConcurrentExecutions"] = reserved_concurrency_value(reserved_concurrency)
    if condition:
        props["Condition"] = condition
    props.update(extra)
    function = Function(name, **props)
    accepted = dict(accepted or {})
    if reserved_concurrency is None:
        accepted.setdefault("CKV_AWS_115", UNRESERVED_REASON)
    accept_findings(function, checkov=accepted)
    return t.add_resource(function)
