"""Machine-readable reports of `lint` and `scan`: JSON rows and SARIF 2.1.0.

JSON is a list of findings, one object each, sorted by file, line and rule.
SARIF (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) is what code-scanning
UIs read: one run per tool (cfn-lint or checkov) whose driver lists the rules
found, with help text; each finding is a result located by a URI relative to
the repository and a start line. The catalog's own rule (a file that is not a
complete template, checks/structure.py) belongs to a `cfn-catalog` extension
of the run, since neither tool reports it. An accepted checkov finding (a
`Metadata.checkov.skip` entry with a written reason) is a result with an
in-source suppression whose justification is that reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from cfn_catalog import __version__
from cfn_catalog.checks import structure

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
CFN_LINT_URI = "https://github.com/aws-cloudformation/cfn-lint"
CHECKOV_URI = "https://www.checkov.io/"
CHECKOV_POLICIES = "https://www.checkov.io/5.Policy%20Index/cloudformation.html"
LEVELS = {"error": "error", "warning": "warning", "informational": "note"}  # cfn-lint severity -> SARIF level


def _order(row: dict) -> tuple:
    return (row["file"], row["line"], row["column"] or 0, row["rule"], row.get("resource") or "", row["message"])


def lint_rows(findings: Iterable) -> list[dict]:
    """One JSON object per cfn-lint finding (lint.Finding)."""
    rows = [
        {
            "file": f.path,
            "line": f.line,
            "column": f.column,
            "rule": f.rule,
            "severity": f.severity,
            "level": LEVELS.get(f.severity, "warning"),
            "message": f.message,
        }
        for f in findings
    ]
    return sorted(rows, key=_order)


def scan_rows(result) -> list[dict]:
    """One JSON object per checkov finding (scan.ScanResult): failed, accepted, skipped without a reason,
    and files that are not templates. checkov reports no column, so `column` is null."""
    unexplained = set(result.unexplained_skips)

    def row(f, *, accepted: bool, message: str | None = None, reason: str | None = None) -> dict:
        return {
            "file": f.path,
            "line": f.line,
            "column": None,
            "rule": f.check,
            "check": f.check,
            "level": "error",
            "message": message or f.title,
            "resource": f.resource or None,
            "accepted": accepted,
            "reason": reason,
        }

    from cfn_catalog.checks.scan import MIN_REASON

    rows = [row(f, accepted=False) for f in result.failed]
    rows += [row(f, accepted=False, message=f"not a complete template: {f.title}") for f in result.not_templates]
    for f in result.skipped:
        if f in unexplained:
            note = f"skipped without a written reason of at least {MIN_REASON} characters"
            rows.append(row(f, accepted=False, message=f"{f.title} ({note})", reason=f.reason or None))
        else:
            rows.append(row(f, accepted=True, reason=f.reason))
    return sorted(rows, key=_order)


def to_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2) + "\n"


def _repository_root() -> Path:
    """The repository the command runs in (the nearest directory up with .git), else the working directory."""
    cwd = Path.cwd().resolve()
    return next((d for d in (cwd, *cwd.parents) if (d / ".git").exists()), cwd)


def _artifact(path: str, root: Path) -> dict:
    resolved = Path(path).resolve()
    try:
        relative = resolved.relative_to(root)
    except ValueError:
        return {"uri": resolved.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": "%SRCROOT%"}


def _rule(rule_id: str, short: str, full: str, url: str, level: str) -> dict:
    full = full or short or rule_id
    sentence = full if full.endswith(".") else f"{full}."
    return {
        "id": rule_id,
        "shortDescription": {"text": short or rule_id},
        "fullDescription": {"text": full},
        "help": {"text": f"{sentence} See {url}" if url else full},
        **({"helpUri": url} if url else {}),
        "defaultConfiguration": {"level": level},
    }


CATALOG_RULE = _rule(structure.RULE, structure.SHORT, structure.HELP, "", "error")


def _sarif(driver: dict, rows: list[dict]) -> dict:
    """A SARIF log of one run: `driver` names the tool and its rules; rows are lint_rows or scan_rows."""
    root = _repository_root()
    index = {rule["id"]: i for i, rule in enumerate(driver["rules"])}
    results = []
    for row in rows:
        region = {"startLine": max(1, row["line"] or 1)}  # SARIF lines and columns start at 1
        if row["column"]:
            region["startColumn"] = max(1, row["column"])
        result = {"ruleId": row["rule"]}
        if row["rule"] in index:
            result["ruleIndex"] = index[row["rule"]]
        else:  # the catalog's own rule, in the extension
            result["rule"] = {"id": row["rule"], "index": 0, "toolComponent": {"index": 0}}
        result |= {
            "level": row["level"],
            "message": {"text": row["message"] + (f" ({row['resource']})" if row.get("resource") else "")},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(row["file"], root), "region": region}}],
        }
        if row.get("accepted"):
            result["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": row["reason"]}]
        results.append(result)
    extension = {"name": "cfn-catalog", "version": __version__, "rules": [CATALOG_RULE]}
    run = {"tool": {"driver": driver, "extensions": [extension]}, "results": results}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def lint_sarif(rows: list[dict], version: str, rule_help: dict[str, dict[str, str]]) -> str:
    """SARIF of lint_rows; rule_help is lint.rule_help() of the rules found."""
    rules = []
    for rule_id in sorted({r["rule"] for r in rows} - {structure.RULE}):
        info = rule_help.get(rule_id, {})
        level = LEVELS.get(info.get("severity", ""), "warning")
        rules.append(_rule(rule_id, info.get("short", ""), info.get("full", ""), info.get("url", ""), level))
    driver = {"name": "cfn-lint", "version": version, "informationUri": CFN_LINT_URI, "rules": rules}
    return json.dumps(_sarif(driver, rows), indent=2) + "\n"


def scan_sarif(rows: list[dict], version: str, result) -> str:
    """SARIF of scan_rows(result); checkov's rules are named by their check titles."""
    titles = {f.check: f for f in (*result.failed, *result.skipped)}
    rules = []
    for check in sorted({r["rule"] for r in rows} - {structure.RULE}):
        finding = titles[check]
        full = f"{finding.title} (checkov {check}, CloudFormation)"
        rules.append(_rule(check, finding.title, full, finding.guideline or CHECKOV_POLICIES, "error"))
    driver = {"name": "checkov", "version": version, "informationUri": CHECKOV_URI, "rules": rules}
    return json.dumps(_sarif(driver, rows), indent=2) + "\n"
