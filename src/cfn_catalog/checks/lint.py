"""cfn-lint, in process, over rendered templates.

The rule set is built once per run (building it costs about half a second),
independent templates are linted on every core, and results are cached by the
rendered bytes, the cfn-lint version and this configuration, so a re-lint of
unchanged templates neither imports cfn-lint nor runs a rule. The cache can
never hide a finding: any change to a template's bytes is a new key. For the
pinned cfn-lint, lint_speedups replaces some of its internals with faster
equivalents (verified finding-for-finding by tests/test_lint_speedups.py).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.util
import json
import os
import time
from collections import namedtuple
from collections.abc import Iterable, Iterator
from pathlib import Path

# Templates are region-agnostic (no region, account or AZ is hard-coded), so
# one region's resource schemas are enough to check them.
LINT_CONFIG = {"regions": ["us-east-1"]}
# Raised whenever the catalog's own checks around cfn-lint change (checks/structure.py), so cached results
# made without them are not served.
CATALOG_CHECKS = 1


class Finding(namedtuple("Finding", "path line column rule severity message")):
    """One cfn-lint match. (A named tuple: dataclasses would cost every cached re-lint ~10 ms of imports.)"""

    __slots__ = ()

    def __str__(self) -> str:
        message = " ".join(self.message.split()) if "\n" in self.message else self.message  # one line per finding
        return f"{self.path}:{self.line}:{self.column} {self.rule} {message}"


def default_cache_dir() -> Path:
    from cfn_catalog.fsutil import cache_dir

    return cache_dir("lint")


def cfnlint_version() -> str:
    """cfn-lint's version, read without importing cfn-lint (that takes ~0.7 s)."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or spec.origin is None:
        raise RuntimeError("cfn-lint is not installed")
    text = (Path(spec.origin).parent / "version.py").read_text()
    return text.split("__version__", 1)[1].split("\n", 1)[0].strip(" =\"'")


def cache_key(text: str, version: str) -> str:
    config = json.dumps(LINT_CONFIG, sort_keys=True)
    return hashlib.sha256(f"{version}\0{config}\0{CATALOG_CHECKS}\0".encode() + text.encode()).hexdigest()


_RULES = None
_CONFIG = None


def _load_rules() -> None:
    """Import cfn-lint and build its rule set, once per process.

    That allocates a few hundred thousand objects that live until the process
    ends (rules, resource schemas); the cyclic collector would scan them again
    and again while they are made (a quarter of the start-up), so it is paused,
    and they are then moved out of its sight for good (gc.freeze).
    """
    global _RULES, _CONFIG
    if _RULES is None:
        with _collector_paused():
            from cfnlint.config import ConfigMixIn
            from cfnlint.runner import Runner

            from cfn_catalog.checks import lint_speedups

            _CONFIG = ConfigMixIn(**LINT_CONFIG)
            _RULES = Runner(_CONFIG).rules
            if lint_speedups.wanted(cfnlint_version()):
                lint_speedups.apply(_RULES)
        gc.freeze()


def _lint_one(item: tuple[str, str]) -> tuple[str, list[Finding], float]:
    """Lint one template text; `path` is only used to label findings.

    A document cfn-lint passes although it is no complete template (an empty
    Resources section) gets the catalog's own finding, so it never passes.
    """
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import run_template_by_data

    from cfn_catalog.checks import structure

    path, text = item
    started = time.perf_counter()
    _load_rules()
    template, errors = decode_str(text)
    matches = errors or list(run_template_by_data(template, _CONFIG, _RULES))
    findings = sorted(
        {Finding(path, m.linenumber, m.columnnumber, m.rule.id, m.rule.severity, m.message) for m in matches},
        key=lambda f: (f.line, f.column, f.rule, f.message),
    )
    if not findings:
        missing = structure.problem(template, text)
        if missing:
            findings = [Finding(path, 1, 1, structure.RULE, "error", f"not a complete template: {missing}")]
    return path, findings, time.perf_counter() - started


def rule_help(rule_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Short and full description, help URL and severity of each cfn-lint rule named (for SARIF).

    Loads cfn-lint's rule set when a rule is asked for (a cached lint has not loaded it).
    """
    wanted = set(rule_ids)
    if not wanted:
        return {}
    _load_rules()
    found = {}
    for rule_id in wanted:
        rule = _RULES.get(rule_id)
        if rule is not None:
            found[rule_id] = {
                "short": rule.shortdesc,
                "full": rule.description,
                "url": rule.source_url,
                "severity": rule.severity,
            }
    return found


def lint_texts(
    items: Iterable[tuple[str, str]], *, cache_dir: Path | None = None, jobs: int | None = None
) -> Iterator[tuple[str, list[Finding], bool]]:
    """Yield (path, findings, seconds) for each (path, text), as results arrive.

    `seconds` is the time spent linting, None when the result came from the cache.
    """
    version = cfnlint_version()
    pending: list[tuple[str, str, str]] = []
    for path, text in items:
        key = cache_key(text, version)
        hit = _read_cache(cache_dir, key, path)
        if hit is not None:
            yield path, hit, None
        else:
            pending.append((path, text, key))
    if not pending:
        return
    keys = {path: key for path, _, key in pending}
    # Largest first, so the last template a worker takes is a small one.
    work = sorted(((path, text) for path, text, _ in pending), key=lambda item: -len(item[1]))
    jobs = min(jobs or os.cpu_count() or 1, len(work))
    _load_rules()  # once, before forking, so every worker inherits the rule set
    if jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs, initializer=gc.disable) as pool:
            for path, findings, seconds in pool.imap_unordered(_lint_one, work):
                _write_cache(cache_dir, keys[path], findings)
                yield path, findings, seconds
    else:
        for item in work:
            with _collector_paused():
                path, findings, seconds = _lint_one(item)
            _write_cache(cache_dir, keys[path], findings)
            yield path, findings, seconds


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Linting allocates millions of short-lived objects that reference counting
    frees; the cyclic collector's passes over them cost ~10% of the time. (Workers
    run with it off; their peak memory is in the bench report.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_cache(cache_dir: Path | None, key: str, path: str) -> list[Finding] | None:
    if cache_dir is None:
        return None
    try:
        rows = json.loads((cache_dir / f"{key}.json").read_text())
        return [Finding(**dict(row, path=path)) for row in rows]
    except (OSError, ValueError, TypeError):
        return None


def _write_cache(cache_dir: Path | None, key: str, findings: list[Finding]) -> None:
    if cache_dir is None:
        return
    from cfn_catalog.errors import OutputError
    from cfn_catalog.fsutil import atomic_write

    with contextlib.suppress(OutputError):  # a cache that cannot be written only costs time
        atomic_write(cache_dir / f"{key}.json", json.dumps([f._asdict() for f in findings]))
