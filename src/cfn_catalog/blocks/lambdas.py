"""Python Lambda functions whose code lives in `cfn_catalog.functions`.

Small handlers are embedded as inline code (CloudFormation's 4,096-character
limit is checked here); each function gets its own role, allowed to write only
to its own log group, plus whatever the caller grants.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from awacs.aws import Allow, Statement
from awacs.logs import CreateLogStream, PutLogEvents
from troposphere import GetAtt, Ref, Template
from troposphere.awslambda import Code, Environment, Function, LoggingConfig

from cfn_catalog import functions
from cfn_catalog.blocks.iam import service_role
from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.metadata import accept_findings

PYTHON_RUNTIME = "python3.13"
INLINE_CODE_LIMIT = 4096


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
    is replaced by the helper module's own source.
    """
    source = INLINED_IMPORT.sub(
        lambda match: _without_docstring(function_source(match.group(1))), function_source(module)
    )
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
    reserved_concurrency: object = None,
    accepted: dict[str, str] | None = None,
    retention_days: object = 90,
    condition: str | None = None,
    **extra: object,
) -> Function:
    """A Lambda function running `functions/<module>.py` inline, with its role and logs.

    `accepted` maps checkov check ids to the reason the finding is accepted for
    this function (e.g. no VPC because it calls only AWS APIs). With
    `condition`, the function, its role and its log group exist only when the
    template condition holds.
    """
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
        props["ReservedConcurrentExecutions"] = reserved_concurrency
    if condition:
        props["Condition"] = condition
    props.update(extra)
    function = Function(name, **props)
    if accepted:
        accept_findings(function, checkov=accepted)
    return t.add_resource(function)
