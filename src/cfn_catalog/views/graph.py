"""Resource graphs: what references what, as Mermaid (renders on GitHub) or Graphviz dot.

Nodes are resources, parameters and outputs (drawn differently); edges come
from Ref, GetAtt, ${} in Sub, and DependsOn. A nested stack's child template
is drawn as a subgraph inside the parent, joined to the stack resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cfn_catalog import catalog

PSEUDO = re.compile(r"^AWS::")
SUB_NAMES = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


@dataclass
class Graph:
    name: str
    parameters: list[str] = field(default_factory=list)
    resources: dict[str, str] = field(default_factory=dict)  # logical id -> type
    outputs: list[str] = field(default_factory=list)
    edges: set[tuple[str, str, str]] = field(default_factory=set)  # (from, to, kind)
    children: dict[str, Graph] = field(default_factory=dict)  # nested stack logical id -> child graph


def references(node: Any) -> set[tuple[str, str]]:
    """(target, kind) for every Ref / GetAtt / Sub reference inside `node`."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        if len(node) == 1:
            key, arg = next(iter(node.items()))
            if key == "Ref" and isinstance(arg, str):
                found.add((arg, "ref"))
            elif key == "Fn::GetAtt":
                target = (
                    arg[0] if isinstance(arg, list) and arg else arg.split(".")[0] if isinstance(arg, str) else None
                )
                if isinstance(target, str):
                    found.add((target, "getatt"))
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                local = set(arg[1]) if isinstance(arg, list) and len(arg) > 1 and isinstance(arg[1], dict) else set()
                if isinstance(text, str):
                    found |= {(n, "sub") for n in SUB_NAMES.findall(text) if n not in local}
        for value in node.values():
            found |= references(value)
    elif isinstance(node, list):
        for value in node:
            found |= references(value)
    return found


def build(name: str, _seen: tuple[str, ...] = ()) -> Graph:
    doc = catalog.template_dict(name)
    graph = Graph(name=name, parameters=list(doc.get("Parameters", {})), outputs=list(doc.get("Outputs", {})))
    known = set(graph.parameters) | set(doc.get("Resources", {}))
    for logical_id, resource in doc.get("Resources", {}).items():
        graph.resources[logical_id] = resource.get("Type", "")
        body = {k: v for k, v in resource.items() if k != "DependsOn"}
        for target, kind in references(body):
            if target in known and not PSEUDO.match(target):
                graph.edges.add((target, logical_id, kind))
        depends = resource.get("DependsOn", [])
        for target in [depends] if isinstance(depends, str) else depends:
            graph.edges.add((target, logical_id, "dependson"))
    for output, body in doc.get("Outputs", {}).items():
        for target, kind in references(body):
            if target in known:
                graph.edges.add((target, f"Output.{output}", kind))
    for logical_id, child in catalog.child_stacks(name).items():
        if child not in _seen:
            graph.children[logical_id] = build(child, (*_seen, name))
    return graph


def _node_id(prefix: str, name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{prefix}{name}")


def _short_type(rtype: str) -> str:
    return rtype.replace("AWS::", "").replace("::", " ")


def mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]
    _mermaid_body(graph, "", lines, "  ")
    lines += [
        "  classDef param fill:#eef,stroke:#88a;",
        "  classDef output fill:#efe,stroke:#8a8;",
    ]
    return "\n".join(lines) + "\n"


def _mermaid_body(graph: Graph, prefix: str, lines: list[str], indent: str) -> None:
    for param in graph.parameters:
        lines.append(f'{indent}{_node_id(prefix, "P_" + param)}[/"{param}"/]:::param')
    for logical_id, rtype in graph.resources.items():
        lines.append(f'{indent}{_node_id(prefix, logical_id)}["{logical_id}<br/>{_short_type(rtype)}"]')
    for output in graph.outputs:
        lines.append(f'{indent}{_node_id(prefix, "O_" + output)}(["{output}"]):::output')
    for logical_id, child in graph.children.items():
        sub = f"{prefix}{logical_id}__"
        lines.append(f'{indent}subgraph {_node_id(sub, "stack")}["{logical_id}: {child.name}"]')
        _mermaid_body(child, sub, lines, indent + "  ")
        lines.append(f"{indent}end")
        lines.append(f"{indent}{_node_id(prefix, logical_id)} -.-> {_node_id(sub, 'stack')}")
    arrows = {"ref": "-->", "getatt": "-->", "sub": "-->", "dependson": "-.->"}
    for source, target, kind in sorted(graph.edges):
        src = _node_id(prefix, ("P_" + source) if source in graph.parameters else source)
        dst = _node_id(prefix, "O_" + target[7:]) if target.startswith("Output.") else _node_id(prefix, target)
        lines.append(f"{indent}{src} {arrows[kind]} {dst}")


def dot(graph: Graph) -> str:
    lines = [f'digraph "{graph.name}" {{', "  rankdir=LR;", "  node [fontname=Helvetica, fontsize=10];"]
    _dot_body(graph, "", lines, "  ")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_body(graph: Graph, prefix: str, lines: list[str], indent: str) -> None:
    for param in graph.parameters:
        lines.append(f'{indent}{_node_id(prefix, "P_" + param)} [label="{param}", shape=parallelogram, color=blue];')
    for logical_id, rtype in graph.resources.items():
        lines.append(
            f'{indent}{_node_id(prefix, logical_id)} [label="{logical_id}\\n{_short_type(rtype)}", shape=box];'
        )
    for output in graph.outputs:
        lines.append(f'{indent}{_node_id(prefix, "O_" + output)} [label="{output}", shape=ellipse, color=darkgreen];')
    for logical_id, child in graph.children.items():
        sub = f"{prefix}{logical_id}__"
        lines.append(f"{indent}subgraph cluster_{_node_id(sub, '')} {{")
        lines.append(f'{indent}  label="{logical_id}: {child.name}";')
        _dot_body(child, sub, lines, indent + "  ")
        lines.append(f"{indent}}}")
        first = next(iter(child.resources), None)
        if first:
            lines.append(f"{indent}{_node_id(prefix, logical_id)} -> {_node_id(sub, first)} [style=dotted];")
    for source, target, kind in sorted(graph.edges):
        src = _node_id(prefix, ("P_" + source) if source in graph.parameters else source)
        dst = _node_id(prefix, "O_" + target[7:]) if target.startswith("Output.") else _node_id(prefix, target)
        style = " [style=dashed]" if kind == "dependson" else ""
        lines.append(f"{indent}{src} -> {dst}{style};")


def render(name: str, fmt: str = "mermaid") -> str:
    graph = build(name)
    return mermaid(graph) if fmt == "mermaid" else dot(graph)
