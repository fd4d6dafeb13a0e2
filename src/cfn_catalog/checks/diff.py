"""What an update from an earlier catalog version would do to running stacks.

Compares a template as rendered now with the same template at a git ref or in
a directory of earlier renders, offline: no deployed stack is needed. Update
behaviour comes from the CloudFormation resource schemas cfn-lint ships
(`createOnlyProperties` means the resource is replaced). Interface changes
that break existing users (removed or newly required parameters, narrower
constraints, removed outputs and exports, new capabilities) are flagged too.

Exit codes of `cfn-catalog diff`: 0 no change, 1 changes, 2 breaking changes
or replacements.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cfn_catalog import catalog, markdown
from cfn_catalog.errors import CatalogError
from cfn_catalog.wording import count

# Types whose replacement destroys data: the report calls these out.
STATEFUL_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::Redshift::Cluster",
        "AWS::EFS::FileSystem",
        "AWS::FSx::FileSystem",
        "AWS::EC2::Volume",
        "AWS::KMS::Key",
        "AWS::Kinesis::Stream",
        "AWS::Logs::LogGroup",
        "AWS::SecretsManager::Secret",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::OpenSearchService::Domain",
        "AWS::Elasticsearch::Domain",
        "AWS::Neptune::DBCluster",
        "AWS::DocDB::DBCluster",
        "AWS::SQS::Queue",
        "AWS::Cognito::UserPool",
        "AWS::Glue::Database",
        "AWS::Backup::BackupVault",
    }
)
# 2 is a usage error everywhere in the CLI; a breaking change or replacement has its own code, for CI.
SEVERITY_EXIT = {"none": 0, "change": 1, "breaking": 3}


@dataclass
class Change:
    template: str
    kind: str  # resource | parameter | output | capabilities | template
    subject: str
    action: str  # added | removed | modified | replaced | renamed | ...
    detail: str = ""
    breaking: bool = False
    replacement: bool = False
    data_loss: bool = False

    def line(self) -> str:
        flags = []
        if self.replacement:
            flags.append("REPLACED")
        if self.data_loss:
            flags.append("DATA-LOSS RISK")
        if self.breaking and not self.replacement:
            flags.append("BREAKING")
        flag = f" [{', '.join(flags)}]" if flags else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.template}: {self.kind} {self.subject} {self.action}{flag}{detail}"


# ---------------------------------------------------------------- sources


def last_tag() -> str | None:
    proc = subprocess.run(["git", "describe", "--tags", "--abbrev=0"], capture_output=True, text=True)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _load_text(text: str, where: str) -> dict:
    from cfnlint.decode.cfn_yaml import loads

    try:
        return json.loads(json.dumps(loads(text)))
    except Exception as exc:  # any parse failure of a previous render is the user's input
        raise CatalogError(f"cannot read {where}: {str(exc).splitlines()[0]}") from None


def old_from_git(ref: str, name: str, out_dir: str = "templates_out") -> dict | None:
    proc = subprocess.run(["git", "show", f"{ref}:{out_dir}/{name}.yaml"], capture_output=True, text=True)
    if proc.returncode == 0:
        return _load_text(proc.stdout, f"{ref}:{out_dir}/{name}.yaml")
    check = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], capture_output=True)
    if check.returncode != 0:
        raise CatalogError(f"unknown git ref {ref!r}: give a tag, branch or commit (git tag -l lists tags)")
    return None


def names_at(ref: str, out_dir: str = "templates_out") -> list[str]:
    """Templates rendered at `ref`."""
    proc = subprocess.run(["git", "ls-tree", "--name-only", f"{ref}:{out_dir}"], capture_output=True, text=True)
    if proc.returncode != 0:
        return []
    return sorted(line[:-5] for line in proc.stdout.splitlines() if line.endswith(".yaml"))


def old_from_dir(directory: Path, name: str) -> dict | None:
    if not directory.is_dir():
        raise CatalogError(f"--against-dir {directory} is not a directory")
    path = directory / f"{name}.yaml"
    return _load_text(path.read_text(encoding="utf-8"), str(path)) if path.exists() else None


# ---------------------------------------------------------------- schemas


def _schema(rtype: str) -> dict | None:
    if not rtype.startswith("AWS::") or rtype.startswith("AWS::Serverless::"):
        return None
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).schema
    except Exception:  # an unknown type (e.g. a custom resource) has no schema
        return None


def update_behaviour(rtype: str, path: str) -> str:
    """ "replace", "conditional" (may replace), "in-place" or "unknown" for a change
    at `path` (e.g. "HealthCheckConfig/Type") of a resource's properties."""
    if (
        rtype == "AWS::CloudFormation::Stack"
        or rtype.startswith("Custom::")
        or rtype == "AWS::CloudFormation::CustomResource"
    ):
        return "in-place"
    schema = _schema(rtype)
    if schema is None:
        return "unknown"
    pointer = f"/properties/{path}"

    def hits(pointers: list[str]) -> bool:
        # A change inside a create-only property, or above one (e.g. a whole list replaced).
        return any(pointer == p or pointer.startswith(p + "/") or p.startswith(pointer + "/") for p in pointers)

    if hits(schema.get("createOnlyProperties", [])):
        return "replace"
    if hits(schema.get("conditionalCreateOnlyProperties", [])):
        return "conditional"
    return "in-place"


_MISSING = object()


def changed_paths(old: Any, new: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, old, new) of the deepest differing values; mappings are walked, lists compared whole."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict) and not _is_intrinsic(old) and not _is_intrinsic(new):
        result = []
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}/{key}" if path else key
            result += changed_paths(old.get(key, _MISSING), new.get(key, _MISSING), sub)
        return result
    return [(path, old, new)]


def _is_intrinsic(value: dict) -> bool:
    return (len(value) == 1 and next(iter(value)) in ("Ref", "Condition")) or any(k.startswith("Fn::") for k in value)


# ---------------------------------------------------------------- short forms for display


def _shown(value: Any) -> str:
    return "(unset)" if value is _MISSING else short(value)


def short(value: Any) -> str:
    """A compact one-line rendering with intrinsics in short form."""
    if isinstance(value, dict) and len(value) == 1:
        key, arg = next(iter(value.items()))
        if key == "Ref":
            return f"!Ref {arg}"
        if key == "Fn::GetAtt":
            return f"!GetAtt {'.'.join(arg) if isinstance(arg, list) else arg}"
        if key.startswith("Fn::"):
            return f"!{key[4:]} {short(arg)}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(short(v) for v in value) + "]"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------- comparisons


def _resource_changes(name: str, old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    old_res, new_res = old.get("Resources", {}), new.get("Resources", {})
    removed = [k for k in old_res if k not in new_res]
    added = [k for k in new_res if k not in old_res]
    renamed = {}
    for gone in removed:
        twin = next(
            (k for k in added if k not in renamed.values() and new_res[k] == old_res[gone]),
            None,
        )
        if twin:
            renamed[gone] = twin
    for gone in removed:
        rtype = old_res[gone].get("Type", "")
        stateful = rtype in STATEFUL_TYPES and old_res[gone].get("DeletionPolicy") not in ("Retain", "Snapshot")
        if gone in renamed:
            changes.append(
                Change(
                    name,
                    "resource",
                    gone,
                    "renamed",
                    f"logical id -> {renamed[gone]} ({rtype}): CloudFormation "
                    "deletes the old resource and creates a new one",
                    breaking=True,
                    replacement=True,
                    data_loss=stateful,
                )
            )
        else:
            changes.append(Change(name, "resource", gone, "removed", rtype, breaking=stateful, data_loss=stateful))
    for new_id in added:
        if new_id not in renamed.values():
            changes.append(Change(name, "resource", new_id, "added", new_res[new_id].get("Type", "")))
    for logical_id in (k for k in new_res if k in old_res):
        before, after = old_res[logical_id], new_res[logical_id]
        if before == after:
            continue
        rtype = after.get("Type", "")
        if before.get("Type") != rtype:
            changes.append(
                Change(
                    name,
                    "resource",
                    logical_id,
                    "replaced",
                    f"type {before.get('Type')} -> {rtype}",
                    breaking=True,
                    replacement=True,
                    data_loss=before.get("Type") in STATEFUL_TYPES,
                )
            )
            continue
        old_props, new_props = before.get("Properties", {}) or {}, after.get("Properties", {}) or {}
        for path, was, now in changed_paths(old_props, new_props):
            behaviour = update_behaviour(rtype, path)
            replace = behaviour in ("replace", "conditional")
            what = {
                "replace": "replacement",
                "conditional": "may require replacement",
                "in-place": "update in place",
                "unknown": "update behaviour unknown (transform or custom type)",
            }[behaviour]
            detail = f"{path}: {_shown(was)} -> {_shown(now)} ({what})"
            changes.append(
                Change(
                    name,
                    "resource",
                    logical_id,
                    "replaced" if replace else "modified",
                    detail,
                    breaking=replace,
                    replacement=replace,
                    data_loss=replace and rtype in STATEFUL_TYPES,
                )
            )
        for attr in sorted((set(before) | set(after)) - {"Type", "Properties"}):
            if before.get(attr) != after.get(attr):
                changes.append(
                    Change(
                        name,
                        "resource",
                        logical_id,
                        "modified",
                        f"{attr}: {short(before.get(attr, '(unset)'))} -> {short(after.get(attr, '(unset)'))}",
                    )
                )
    return changes


def _made_optional(old: str | None, new: str) -> bool:
    """Whether `new` is `old` with its whole body made optional (`^X$` -> `^(X)?$`): it
    accepts every value `old` did, plus the empty string. Only this shape is recognised; any
    other change to a pattern may narrow it and is reported as such."""
    if not old or not (old.startswith("^") and old.endswith("$") and new.startswith("^") and new.endswith("$")):
        return False
    body = old[1:-1]
    return new[1:-1] in (f"({body})?", f"(?:{body})?")


def _narrower(old: dict, new: dict) -> list[str]:
    reasons = []
    if old.get("Type") != new.get("Type"):
        reasons.append(f"type {old.get('Type')} -> {new.get('Type')}")
    if "AllowedValues" in new:
        dropped = [v for v in old.get("AllowedValues", []) if v not in new["AllowedValues"]]
        if "AllowedValues" not in old:
            reasons.append(f"now limited to AllowedValues {new['AllowedValues']}")
        elif dropped:
            reasons.append(f"AllowedValues no longer include {dropped}")
    if (
        new.get("AllowedPattern")
        and new.get("AllowedPattern") != old.get("AllowedPattern")
        and not _made_optional(old.get("AllowedPattern"), new["AllowedPattern"])
    ):
        default = old.get("Default")
        if default is not None and not re.fullmatch(new["AllowedPattern"], str(default)):
            reasons.append(f"the previous default {default!r} no longer matches AllowedPattern")
        else:
            reasons.append("AllowedPattern changed")
    for key, tighter in (
        ("MinValue", lambda o, n: n > o),
        ("MinLength", lambda o, n: n > o),
        ("MaxValue", lambda o, n: n < o),
        ("MaxLength", lambda o, n: n < o),
    ):
        if key in new and (key not in old or tighter(float(old[key]), float(new[key]))):
            reasons.append(f"{key} {old.get(key, '(none)')} -> {new[key]}")
    return reasons


def _parameter_changes(name: str, old: dict, new: dict) -> list[Change]:
    changes = []
    old_p, new_p = old.get("Parameters", {}), new.get("Parameters", {})
    for pname in old_p:
        if pname not in new_p:
            changes.append(
                Change(name, "parameter", pname, "removed", "stacks and profiles passing it will fail", breaking=True)
            )
    for pname, spec in new_p.items():
        if pname not in old_p:
            required = "Default" not in spec
            changes.append(
                Change(
                    name,
                    "parameter",
                    pname,
                    "added",
                    "required: no default" if required else "has a default",
                    breaking=required,
                )
            )
            continue
        before = old_p[pname]
        if "Default" in before and "Default" not in spec:
            changes.append(
                Change(name, "parameter", pname, "became required", "its default was removed", breaking=True)
            )
        elif before.get("Default") != spec.get("Default"):
            changes.append(
                Change(
                    name,
                    "parameter",
                    pname,
                    "modified",
                    f"default {short(before.get('Default'))} -> {short(spec.get('Default'))}",
                )
            )
        reasons = _narrower(before, spec)
        for reason in reasons:
            changes.append(Change(name, "parameter", pname, "narrowed", reason, breaking=True))
        other = sorted(k for k in set(before) | set(spec) if k != "Default" and before.get(k) != spec.get(k))
        if other and not reasons:
            changes.append(Change(name, "parameter", pname, "modified", ", ".join(other) + " changed"))
    return changes


def _export_key(export: Any) -> str:
    """The comparable part of an export name: the text after the last `${...}`."""
    value = export.get("Fn::Sub") if isinstance(export, dict) else export
    value = value[0] if isinstance(value, list) else value
    return re.split(r"\}", value)[-1] if isinstance(value, str) else json.dumps(value)


def importers(export_key: str) -> list[str]:
    """Catalog templates whose Fn::ImportValue ends like `export_key`."""
    found = []
    for other in catalog.names():
        text = catalog.rendered(other, "json")
        doc = catalog.template_dict(other)
        if "Fn::ImportValue" not in text:
            continue

        def walk(node: Any) -> bool:
            if isinstance(node, dict):
                if "Fn::ImportValue" in node and _export_key(node["Fn::ImportValue"]) == export_key:
                    return True
                return any(walk(v) for v in node.values())
            if isinstance(node, list):
                return any(walk(v) for v in node)
            return False

        if walk(doc):
            found.append(other)
    return found


def _output_changes(name: str, old: dict, new: dict) -> list[Change]:
    changes = []
    old_o, new_o = old.get("Outputs", {}), new.get("Outputs", {})
    for oname, spec in old_o.items():
        export = spec.get("Export", {}).get("Name")
        if oname not in new_o:
            detail = "consumers reading it will fail"
            if export is not None:
                users = importers(_export_key(export))
                detail = f"its export {short(export)} disappears" + (
                    f"; imported by {', '.join(users)}" if users else ""
                )
            changes.append(Change(name, "output", oname, "removed", detail, breaking=True))
            continue
        new_export = new_o[oname].get("Export", {}).get("Name")
        if export is not None and new_export != export:
            users = importers(_export_key(export))
            detail = f"export {short(export)} -> {short(new_export) if new_export else '(none)'}"
            detail += f"; imported by {', '.join(users)}" if users else ""
            changes.append(Change(name, "output", oname, "export changed", detail, breaking=True))
        elif spec != new_o[oname]:
            changes.append(
                Change(
                    name,
                    "output",
                    oname,
                    "modified",
                    f"{short(spec.get('Value'))} -> {short(new_o[oname].get('Value'))}",
                )
            )
    for oname in new_o:
        if oname not in old_o:
            changes.append(Change(name, "output", oname, "added"))
    return changes


def _profile_changes(name: str, old: dict, new: dict, params_dir: Path) -> list[Change]:
    from cfn_catalog import params

    changes = []
    for template, env, _ in params.discover(params_dir):
        if template != name:
            continue
        try:
            profile = params.load(name, env, params_dir)
        except params.ProfileError:
            continue
        if not params.validate(profile, old) and (problems := params.validate(profile, new)):
            changes.append(Change(name, "parameter", f"profile {env}", "would now fail", problems[0], breaking=True))
    return changes


def compare(name: str, old: dict | None, new: dict | None, *, params_dir: Path = Path("params")) -> list[Change]:
    """Every change from `old` to `new` (either may be None: added or removed template)."""
    if old is None and new is None:
        return []
    if old is None:
        return [Change(name, "template", name, "added")]
    if new is None:
        return [
            Change(
                name,
                "template",
                name,
                "removed",
                "stacks of it can no longer be updated from the catalog",
                breaking=True,
            )
        ]
    changes = _resource_changes(name, old, new) + _parameter_changes(name, old, new) + _output_changes(name, old, new)
    changes += _profile_changes(name, old, new, params_dir)
    before, after = catalog.doc_capabilities(old), catalog.doc_capabilities(new)
    if after - before:
        changes.append(
            Change(
                name,
                "capabilities",
                ",".join(sorted(after - before)),
                "now required",
                "deploy commands and pipelines must acknowledge them",
                breaking=True,
            )
        )
    if before - after:
        changes.append(Change(name, "capabilities", ",".join(sorted(before - after)), "no longer required"))
    return changes


def severity(changes: list[Change]) -> str:
    if any(c.breaking or c.replacement for c in changes):
        return "breaking"
    return "change" if changes else "none"


# ---------------------------------------------------------------- formats


def as_text(changes: list[Change], against: str) -> str:
    if not changes:
        return f"no changes against {against}\n"
    lines = [c.line() for c in changes]
    lines.append("")
    lines.append(_summary(changes, against))
    return "\n".join(lines) + "\n"


def _summary(changes: list[Change], against: str) -> str:
    replaced = sum(c.replacement for c in changes)
    breaking = sum(c.breaking for c in changes)
    data_loss = sum(c.data_loss for c in changes)
    return (
        f"{count(len(changes), 'change')} against {against}: {breaking} breaking, {count(replaced, 'replacement')}, "
        f"{data_loss} with data-loss risk"
    )


def as_json(changes: list[Change], against: str) -> str:
    return (
        json.dumps(
            {"against": against, "severity": severity(changes), "changes": [asdict(c) for c in changes]}, indent=2
        )
        + "\n"
    )


def as_markdown(changes: list[Change], against: str) -> str:
    if not changes:
        return f"No template changes against {markdown.code(against)}.\n"
    icon = {"breaking": ":warning:", "change": ":information_source:"}[severity(changes)]
    lines = [
        f"### {icon} Template changes against {markdown.code(against)}",
        "",
        markdown.text(_summary(changes, against)),
        "",
        "| Template | What | Change | Flags | Detail |",
        "|---|---|---|---|---|",
    ]
    for c in changes:
        flags = ", ".join(
            f
            for f, on in (
                ("**REPLACED**", c.replacement),
                ("**DATA-LOSS RISK**", c.data_loss),
                ("**BREAKING**", c.breaking and not c.replacement),
            )
            if on
        )
        lines.append(
            f"| {markdown.cell(c.template)} | {c.kind} {markdown.code_cell(c.subject)} | {markdown.cell(c.action)} | "
            f"{flags} | {markdown.cell(c.detail)} |"
        )
    return "\n".join(lines) + "\n"


FORMATTERS = {"text": as_text, "json": as_json, "markdown": as_markdown}
