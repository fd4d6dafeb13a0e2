"""The security scan: checkov over rendered templates, offline.

checkov runs as a subprocess (it is a heavy import with its own logging) with
`--skip-download` and no API key, so it never calls out. A finding is accepted
only through a resource's `Metadata.checkov.skip` entry with a written reason.
checkov silently skips a file it cannot read as a template, so every file is
first held to checks/structure.py: one that is not a complete template is a
finding of its own and is not handed to checkov.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cfn_catalog.errors import CatalogError

MIN_REASON = 20


@dataclass(frozen=True)
class ScanFinding:
    path: str
    resource: str
    check: str
    title: str
    reason: str = ""
    line: int = 1  # first line of the resource (of the problem, for a file that is not a template)
    guideline: str = ""

    def __str__(self) -> str:
        return f"{self.path} {self.resource} {self.check} {self.title}"


@dataclass
class ScanResult:
    failed: list[ScanFinding]
    skipped: list[ScanFinding]
    passed: int
    not_templates: list[ScanFinding] = field(default_factory=list)  # check structure.RULE, title: what is missing
    passed_by_file: dict[str, int] = field(default_factory=dict)

    @property
    def unexplained_skips(self) -> list[ScanFinding]:
        return [s for s in self.skipped if len(s.reason.strip()) < MIN_REASON]


def checkov_path() -> str:
    beside = Path(sys.executable).parent / "checkov"
    found = str(beside) if beside.exists() else shutil.which("checkov")
    if not found:
        raise CatalogError("checkov is not installed: pip install 'cfn-catalog[test]'")
    return found


def checkov_version() -> str:
    """The installed checkov's version, without running it ("unknown" if it is not installed as a package)."""
    from importlib import metadata

    try:
        return metadata.version("checkov")
    except metadata.PackageNotFoundError:
        return "unknown"


def not_a_template(path: Path) -> ScanFinding | None:
    """A finding when the file is not a complete CloudFormation template (checkov would skip it)."""
    from cfn_catalog.checks import structure

    try:
        problem = structure.check_text(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problem = (1, "not UTF-8 text")
    except OSError as exc:
        raise CatalogError(f"cannot read {path}: {exc.strerror or exc}") from None
    if problem is None:
        return None
    line, missing = problem
    return ScanFinding(str(path), "", structure.RULE, missing, line=line)


def scan_files(paths: list[Path]) -> ScanResult:
    """Scan the given template files; raise CatalogError if checkov itself fails."""
    not_templates = [f for f in map(not_a_template, paths) if f is not None]
    broken = {f.path for f in not_templates}
    paths = [p for p in paths if str(p) not in broken]
    if not paths:
        return ScanResult([], [], 0, not_templates)
    command = [checkov_path(), "--framework", "cloudformation", "--skip-download", "--output", "json"]
    for path in paths:
        command += ["-f", str(path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "PRISMA_", "CKV_"))}
    env["BC_SKIP_MAPPING"] = "TRUE"
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    try:
        reports = json.loads(proc.stdout) if proc.stdout.strip() else []
    except ValueError:
        reports = None
    if proc.returncode not in (0, 1) or reports is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise CatalogError(f"checkov failed (exit {proc.returncode}): {tail[0]}")
    reports = reports if isinstance(reports, list) else [reports]
    failed, skipped, passed = [], [], 0
    passed_by_file: dict[str, int] = {}

    def finding(c: dict) -> ScanFinding:
        return ScanFinding(
            path=c.get("file_abs_path") or c.get("file_path", ""),
            resource=c.get("resource", ""),
            check=c.get("check_id", ""),
            title=c.get("check_name", ""),
            reason=(c.get("check_result") or {}).get("suppress_comment") or "",
            line=max(1, (c.get("file_line_range") or [1])[0] or 1),
            guideline=c.get("guideline") or "",
        )

    for report in reports:
        results = report.get("results", {}) if isinstance(report, dict) else {}
        failed += [finding(c) for c in results.get("failed_checks", [])]
        skipped += [finding(c) for c in results.get("skipped_checks", [])]
        passed += len(results.get("passed_checks", []))
        for c in results.get("passed_checks", []):
            name = c.get("file_abs_path") or c.get("file_path", "")
            passed_by_file[name] = passed_by_file.get(name, 0) + 1
    return ScanResult(failed, skipped, passed, not_templates, passed_by_file)
