"""Resource graphs: what references what, as Mermaid (renders on GitHub) or Graphviz dot.

Nodes are resources, parameters and outputs (drawn differently); edges come
from Ref, GetAtt, ${} in Sub, and DependsOn. A nested stack's child template
is drawn as a subgraph inside the parent, joined to the stack resource.

The summarised form (the docs' diagrams, `graph --summary`) stays readable
and under Mermaid's default size limit: a nested stack is one node naming its
child template and the child's resource count (the child's page has its own
diagram), and a template of more than GROUP_OVER resources draws one node per
resource type, with its count, and the edges between those groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cfn_catalog import catalog
from cfn_catalog.wording import count

# A template with more resources than this is drawn by resource type in the summarised form.
GROUP_OVER = 30
# Mermaid's default maxTextSize: a longer diagram is not drawn at all.
MERMAID_MAX_TEXT = 50_000
STACK_TYPE = "AWS::CloudFormation::Stack"

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
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # node -> label lines, where not the default

    def label(self, logical_id: str) -> tuple[str, ...]:
        return self.labels.get(logical_id) or (logical_id, _short_type(self.resources[logical_id]))


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


def summarised(graph: Graph, group_over: int = GROUP_OVER) -> Graph:
    """`graph` with each nested stack as one node and, over `group_over` resources, one node per type.

    Nested stacks stay single nodes (never grouped), so every child template is named.
    """
    result = Graph(name=graph.name, parameters=list(graph.parameters), outputs=list(graph.outputs))
    grouped = len(graph.resources) > group_over
    by_type: dict[str, list[str]] = {}
    for logical_id, rtype in graph.resources.items():
        if not (grouped and logical_id not in graph.children):
            continue
        by_type.setdefault(rtype, []).append(logical_id)
    node_of = {logical_id: logical_id for logical_id in graph.resources}
    for logical_id, rtype in graph.resources.items():
        members = by_type.get(rtype, [])
        if len(members) > 1 and logical_id in members:
            group = "G_" + re.sub(r"[^A-Za-z0-9]", "_", rtype)
            node_of[logical_id] = group
            if group not in result.resources:
                result.resources[group] = rtype
                result.labels[group] = (_short_type(rtype), count(len(members), "resource"))
            continue
        result.resources[logical_id] = rtype
        if logical_id in graph.children:
            child = graph.children[logical_id]
            what = count(len(child.resources), "resource")
            if child.children:
                what += ", " + count(len(child.children), "nested stack")
            result.labels[logical_id] = (logical_id, f"child template {child.name}", what)
    edges: dict[tuple[str, str], str] = {}
    for source, target, kind in graph.edges:
        src, dst = node_of.get(source, source), node_of.get(target, target)
        if src == dst:
            continue
        if edges.get((src, dst)) in (None, "dependson"):
            edges[(src, dst)] = kind
    result.edges = {(src, dst, kind) for (src, dst), kind in edges.items()}
    return result


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
    for logical_id in graph.resources:
        lines.append(f'{indent}{_node_id(prefix, logical_id)}["{"<br/>".join(graph.label(logical_id))}"]')
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
    for logical_id in graph.resources:
        label = "\\n".join(graph.label(logical_id))
        lines.append(f'{indent}{_node_id(prefix, logical_id)} [label="{label}", shape=box];')
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


def render(name: str, fmt: str = "mermaid", *, summary: bool = False) -> str:
    """The full graph (children expanded), or the summarised one (see the module's docstring)."""
    graph = summarised(build(name)) if summary else build(name)
    return mermaid(graph) if fmt == "mermaid" else dot(graph)
