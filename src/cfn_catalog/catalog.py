"""What the CLI knows about templates: built dicts, renders, trees, capabilities.

Everything is computed from the registered `build()` functions and cached for
the life of the process, so one command builds each template at most once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from cfn_catalog import registry, render
from cfn_catalog.errors import UnknownTemplate
from cfn_catalog.registry import CHILD_IN_URL, NESTED_STACK_TYPE

CHILD_URL = re.compile(CHILD_IN_URL + "$")

IAM_TYPES = frozenset(
    {
        "AWS::IAM::AccessKey",
        "AWS::IAM::Group",
        "AWS::IAM::GroupPolicy",
        "AWS::IAM::InstanceProfile",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Policy",
        "AWS::IAM::Role",
        "AWS::IAM::RolePolicy",
        "AWS::IAM::User",
        "AWS::IAM::UserPolicy",
        "AWS::IAM::UserToGroupAddition",
    }
)
IAM_NAME_PROPERTIES = ("RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName")
# SAM resources that create an IAM role unless one is given.
SAM_ROLE_CREATORS = frozenset({"AWS::Serverless::Function", "AWS::Serverless::StateMachine"})
CAPABILITY_ORDER = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
# Services whose resources exist once per account, whatever region the stack is in.
GLOBAL_SERVICES = ("AWS::Route53::", "AWS::IAM::", "AWS::CloudFront::", "AWS::GlobalAccelerator::")


# When set (by `use_snapshot`), names, children and renders come from a
# snapshot of an earlier run with identical inputs instead of building.
_snapshot: dict | None = None


@cache
def specs() -> dict[str, registry.TemplateSpec]:
    return registry.discover()


def names() -> list[str]:
    return list(_snapshot["names"]) if _snapshot else list(specs())


def use_snapshot(enabled: bool = True) -> bool:
    """Serve names, children and renders from the render snapshot if one matches
    the current sources; return whether one did."""
    global _snapshot
    from cfn_catalog import snapshot

    _snapshot = snapshot.load(snapshot.fingerprint()) if enabled else None
    return _snapshot is not None


def save_snapshot() -> None:
    """Store every template's renders for the next run with the same sources."""
    from cfn_catalog import snapshot

    all_names = names()
    snapshot.save(
        snapshot.fingerprint(),
        all_names,
        {name: children(name) for name in all_names},
        {name: {fmt: rendered(name, fmt) for fmt in render.FORMATS} for name in all_names},
    )


def check_names(requested: Iterable[str]) -> list[str]:
    """Return the requested names in order, without duplicates; raise on an unknown one."""
    known = names()
    result: list[str] = []
    for name in requested:
        if name not in known:
            import difflib

            raise UnknownTemplate(name, difflib.get_close_matches(name, list(known), n=3, cutoff=0.5))
        if name not in result:
            result.append(name)
    return result


@cache
def template_dict(name: str) -> dict[str, Any]:
    """The template as CloudFormation data, sections in conventional order."""
    doc = specs()[name].build().to_dict()
    doc.setdefault("AWSTemplateFormatVersion", "2010-09-09")
    return render.normalize(doc)


def rendered(name: str, fmt: str = "yaml") -> str:
    if _snapshot:
        return _snapshot["texts"][name][fmt]
    return _rendered(name, fmt)


@cache
def _rendered(name: str, fmt: str) -> str:
    return render.render_dict(template_dict(name), fmt)


def resources(name: str) -> dict[str, dict]:
    return template_dict(name).get("Resources", {})


def child_of(resource: dict) -> str | None:
    """The catalog name of the template a nested-stack resource points at."""
    if resource.get("Type") != NESTED_STACK_TYPE:
        return None
    url = resource.get("Properties", {}).get("TemplateURL")
    if isinstance(url, dict) and "Fn::Sub" in url:
        url = url["Fn::Sub"]
        url = url[0] if isinstance(url, list) else url
    match = CHILD_URL.search(url) if isinstance(url, str) else None
    return match.group(1) if match else None


def child_stacks(name: str) -> dict[str, str]:
    """Logical id of each nested stack in `name` -> the child template's name."""
    result = {}
    for logical_id, resource in resources(name).items():
        child = child_of(resource)
        if child is not None:
            result[logical_id] = child
    return result


def children(name: str) -> list[str]:
    if _snapshot:
        return list(_snapshot["children"][name])
    return sorted(set(child_stacks(name).values()))


def tree(name: str) -> list[str]:
    """`name` and every template below it, root first, each once."""
    seen: list[str] = []

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.append(node)
        for child in children(node):
            visit(child)

    visit(name)
    return seen


def expand(requested: Iterable[str]) -> list[str]:
    """The requested templates plus their nested descendants."""
    result: list[str] = []
    for name in requested:
        for node in tree(name):
            if node not in result:
                result.append(node)
    return result


def parents() -> dict[str, list[str]]:
    """Child name -> the templates that nest it."""
    result: dict[str, list[str]] = {}
    for name in names():
        for child in children(name):
            result.setdefault(child, []).append(name)
    return result


def doc_capabilities(doc: dict) -> set[str]:
    """Capabilities one template document needs on its own."""
    caps: set[str] = set()
    if doc.get("Transform"):
        caps.add("CAPABILITY_AUTO_EXPAND")
    for resource in doc.get("Resources", {}).values():
        rtype = resource.get("Type", "")
        props = resource.get("Properties", {}) or {}
        if rtype in IAM_TYPES:
            caps.add("CAPABILITY_IAM")
            if any(key in props for key in IAM_NAME_PROPERTIES):
                caps.add("CAPABILITY_NAMED_IAM")
        elif rtype in SAM_ROLE_CREATORS and "Role" not in props:
            caps.add("CAPABILITY_IAM")
    return caps


def capabilities(name: str) -> list[str]:
    """Capabilities a stack of `name` needs, over its whole nested tree."""
    caps: set[str] = set()
    for node in tree(name):
        caps |= doc_capabilities(template_dict(node))
    return [cap for cap in CAPABILITY_ORDER if cap in caps]


def is_global(name: str) -> bool:
    """Every resource of the tree belongs to a global service: the template is deployed once, in one region."""
    types = [r.get("Type", "") for node in tree(name) for r in resources(node).values()]
    return bool(types) and all(t.startswith(GLOBAL_SERVICES) for t in types)


def transform(name: str) -> str:
    value = template_dict(name).get("Transform", "")
    return ",".join(value) if isinstance(value, list) else value


def summary(name: str) -> dict[str, Any]:
    """One row of `cfn-catalog list`."""
    doc = template_dict(name)
    return {
        "name": name,
        "description": doc.get("Description", ""),
        "resources": len(doc.get("Resources", {})),
        "transform": transform(name),
        "children": children(name),
        "capabilities": capabilities(name),
        "size": len(rendered(name, "yaml").encode()),
    }
