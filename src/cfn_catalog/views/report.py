"""Human-readable views of templates for `list` and `show`."""

from __future__ import annotations

import shutil
from collections import Counter
from typing import Any

from cfn_catalog import catalog
from cfn_catalog.wording import count, shown

CONSTRAINT_KEYS = ("AllowedValues", "AllowedPattern", "MinLength", "MaxLength", "MinValue", "MaxValue")


def table(rows: list[dict[str, Any]]) -> str:
    """The `list` table; the description is cut to fit the terminal."""
    headers = ["NAME", "RESOURCES", "SIZE", "CAPABILITIES", "TRANSFORM", "CHILDREN", "DESCRIPTION"]
    cells = [
        [
            row["name"],
            str(row["resources"]),
            str(row["size"]),
            ",".join(cap.removeprefix("CAPABILITY_") for cap in row["capabilities"]) or "-",
            row["transform"].replace("AWS::Serverless-2016-10-31", "SAM").replace("AWS::", "") or "-",
            _children_cell(row["children"]),
            row["description"],
        ]
        for row in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    width = shutil.get_terminal_size((160, 24)).columns
    room = max(20, width - sum(widths[:-1]) - 2 * (len(headers) - 1))
    lines = []
    for line in [headers, *cells]:
        text = line[-1] if len(line[-1]) <= room else line[-1][: room - 3] + "..."
        lines.append("  ".join([*(c.ljust(w) for c, w in zip(line[:-1], widths[:-1], strict=True)), text]).rstrip())
    return "\n".join(lines)


def _children_cell(children: list[str], width: int = 40) -> str:
    """Child names, cut to `width` with a count of the rest (`show` gives the whole tree)."""
    text = ",".join(children)
    if len(text) <= width:
        return text or "-"
    shown: list[str] = []
    for child in children:
        if len(",".join([*shown, child])) > width - 10:
            break
        shown.append(child)
    return f"{','.join(shown)} +{len(children) - len(shown)} more"


def _children_tree(name: str, depth: int = 0) -> list[dict[str, Any]]:
    return [
        {"logical_id": logical_id, "template": child, "children": _children_tree(child, depth + 1)}
        for logical_id, child in catalog.child_stacks(name).items()
    ]


def details(name: str) -> dict[str, Any]:
    """Everything `show` prints, as data."""
    doc = catalog.template_dict(name)
    parameters = {}
    for pname, spec in doc.get("Parameters", {}).items():
        parameters[pname] = {
            "type": spec.get("Type"),
            "default": spec.get("Default"),
            "required": "Default" not in spec,
            "no_echo": str(spec.get("NoEcho", "false")).lower() == "true",
            "constraints": {key: spec[key] for key in CONSTRAINT_KEYS if key in spec},
            "description": spec.get("Description", ""),
        }
    resources = doc.get("Resources", {})
    return {
        "name": name,
        "description": doc.get("Description", ""),
        "transform": catalog.transform(name),
        "capabilities": catalog.capabilities(name),
        "size": len(catalog.rendered(name, "yaml").encode()),
        "parameters": parameters,
        "conditions": list(doc.get("Conditions", {})),
        "resources_by_type": dict(sorted(Counter(r.get("Type") for r in resources.values()).items())),
        "outputs": {k: v.get("Description", "") for k, v in doc.get("Outputs", {}).items()},
        "children": _children_tree(name),
        "parents": catalog.parents().get(name, []),
    }


def _tree_lines(nodes: list[dict[str, Any]], indent: str = "  ") -> list[str]:
    lines = []
    for node in nodes:
        lines.append(f"{indent}{node['logical_id']} -> {node['template']}")
        lines += _tree_lines(node["children"], indent + "  ")
    return lines


yaml_value = shown  # one way to print a value, shared with solution plans


def show_text(d: dict[str, Any]) -> str:
    lines = [d["name"], f"  {d['description']}", ""]
    lines.append(f"Transform: {d['transform'] or '-'}")
    lines.append(f"Capabilities (whole tree): {', '.join(d['capabilities']) or '-'}")
    lines.append(f"Size: {count(d['size'], 'byte')} (YAML)")
    if d["parents"]:
        lines.append(f"Nested in: {', '.join(d['parents'])}")
    lines += ["", f"Parameters ({len(d['parameters'])}):"]
    for pname, p in d["parameters"].items():
        flags = ["required" if p["required"] else f"default={yaml_value(p['default'])}"]
        if p["no_echo"]:
            flags.append("NoEcho")
        flags += [f"{k}={yaml_value(v)}" for k, v in p["constraints"].items()]
        lines.append(f"  {pname} ({p['type']}): {'; '.join(flags)}")
    lines += ["", f"Conditions ({len(d['conditions'])}): {', '.join(d['conditions']) or '-'}", ""]
    lines.append(f"Resources ({sum(d['resources_by_type'].values())}):")
    lines += [f"  {count:3d}  {rtype}" for rtype, count in d["resources_by_type"].items()]
    lines += ["", f"Outputs ({len(d['outputs'])}):"]
    lines += [f"  {oname}: {desc}" for oname, desc in d["outputs"].items()]
    lines += ["", "Nested stacks:"]
    lines += _tree_lines(d["children"]) or ["  -"]
    return "\n".join(lines)
