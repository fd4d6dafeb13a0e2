"""The security scan: checkov over rendered templates, offline.

checkov runs as a subprocess (it is a heavy import with its own logging) with
`--skip-download` and no API key, so it never calls out. A finding is accepted
only through a resource's `Metadata.checkov.skip` entry with a written reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
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

    def __str__(self) -> str:
        return f"{self.path} {self.resource} {self.check} {self.title}"


@dataclass
class ScanResult:
    failed: list[ScanFinding]
    skipped: list[ScanFinding]
    passed: int

    @property
    def unexplained_skips(self) -> list[ScanFinding]:
        return [s for s in self.skipped if len(s.reason.strip()) < MIN_REASON]


def checkov_path() -> str:
    beside = Path(sys.executable).parent / "checkov"
    found = str(beside) if beside.exists() else shutil.which("checkov")
    if not found:
        raise CatalogError("checkov is not installed: pip install 'cfn-catalog[test]'")
    return found


def scan_files(paths: list[Path]) -> ScanResult:
    """Scan the given template files; raise CatalogError if checkov itself fails."""
    if not paths:
        return ScanResult([], [], 0)
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

    def finding(c: dict) -> ScanFinding:
        return ScanFinding(
            path=c.get("file_abs_path") or c.get("file_path", ""),
            resource=c.get("resource", ""),
            check=c.get("check_id", ""),
            title=c.get("check_name", ""),
            reason=(c.get("check_result") or {}).get("suppress_comment") or "",
        )

    for report in reports:
        results = report.get("results", {}) if isinstance(report, dict) else {}
        failed += [finding(c) for c in results.get("failed_checks", [])]
        skipped += [finding(c) for c in results.get("skipped_checks", [])]
        passed += len(results.get("passed_checks", []))
    return ScanResult(failed, skipped, passed)
