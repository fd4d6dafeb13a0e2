"""Cross-template contracts, checked on rendered data.

A parent must pass every child parameter that has no default, pass nothing
the child does not declare, join list parameters into strings, and read only
outputs the child declares. Failures are returned as sentences, not raised, so
tests and commands can show all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cfn_catalog.registry import LOCATION_PARAMETERS, NESTED_STACK_TYPE

_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)\.Outputs\.([A-Za-z0-9]+)\}")


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def output_references(doc: dict) -> Iterator[tuple[str, str]]:
    """(logical id, output name) for every `Child.Outputs.X` read in `doc`."""
    for node in _walk(doc):
        if isinstance(node, dict) and len(node) == 1:
            if "Fn::GetAtt" in node:
                arg = node["Fn::GetAtt"]
                if isinstance(arg, str):
                    arg = arg.split(".", 1)
                if isinstance(arg, list) and len(arg) == 2 and str(arg[1]).startswith("Outputs."):
                    yield arg[0], arg[1].removeprefix("Outputs.")
            elif "Fn::Sub" in node:
                text = node["Fn::Sub"][0] if isinstance(node["Fn::Sub"], list) else node["Fn::Sub"]
                if isinstance(text, str):
                    yield from _SUB_REF.findall(text)


def _is_list_type(spec: dict) -> bool:
    kind = spec.get("Type", "")
    return (
        kind.startswith("List<") or kind == "CommaDelimitedList" or kind.startswith("AWS::SSM::Parameter::Value<List")
    )


def check_parent(parent_name: str, parent: dict, children: dict[str, tuple[str, dict]]) -> list[str]:
    """Problems in `parent`'s use of its nested stacks.

    `children` maps each nested-stack logical id to (child name, child template).
    """
    problems = []
    parent_params = parent.get("Parameters", {})
    resources = parent.get("Resources", {})
    for logical_id, (child_name, child) in children.items():
        resource = resources[logical_id]
        where = f"{parent_name}/{logical_id} -> {child_name}"
        props = resource.get("Properties", {})
        if "StackName" in props:
            problems.append(f"{where}: nested stacks cannot set StackName")
        passed = props.get("Parameters", {}) or {}
        declared = child.get("Parameters", {})
        for name in sorted(set(passed) - set(declared)):
            problems.append(f"{where}: passes {name}, which the child does not declare")
        for name, spec in declared.items():
            if "Default" not in spec and name not in passed:
                problems.append(f"{where}: does not pass required parameter {name}")
        for name, value in passed.items():
            if isinstance(value, dict) and set(value) == {"Ref"}:
                source = parent_params.get(value["Ref"])
                if source is not None and _is_list_type(source):
                    problems.append(f"{where}: passes list parameter {value['Ref']} to {name} without Fn::Join")
        if child_has_children(child):
            for name in LOCATION_PARAMETERS:
                if passed.get(name) != {"Ref": name}:
                    problems.append(f"{where}: must pass {name} down so grandchildren resolve")
    stacks = {logical_id: child for logical_id, (_, child) in children.items()}
    for logical_id, output in output_references(parent):
        if logical_id in stacks and output not in stacks[logical_id].get("Outputs", {}):
            problems.append(
                f"{parent_name}: reads {logical_id}.Outputs.{output}, which {children[logical_id][0]} does not declare"
            )
    return problems


def child_has_children(doc: dict) -> bool:
    return any(r.get("Type") == NESTED_STACK_TYPE for r in doc.get("Resources", {}).values())
