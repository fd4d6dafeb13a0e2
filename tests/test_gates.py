"""Catalog-wide gates: golden files, size budget, cfn-lint and checkov clean."""

import sys

import pytest
from conftest import TEMPLATES_OUT, all_names

from cfn_catalog import catalog, outputs
from cfn_catalog.checks import lint, scan

INLINE_BODY_LIMIT = 51_200
S3_BODY_LIMIT = 1_000_000


@pytest.mark.parametrize("name", all_names())
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_golden_file_is_current(name, fmt):
    golden = TEMPLATES_OUT / f"{name}.{fmt}"
    assert golden.exists(), f"{golden} missing: run make render"
    assert golden.read_text(encoding="utf-8") == catalog.rendered(name, fmt), "stale: run make render"


def test_no_orphaned_golden_files():
    report = outputs.check(catalog.names(), ["yaml", "json"], TEMPLATES_OUT, orphans=True)
    assert report.orphans == []


@pytest.mark.parametrize("name", all_names())
def test_fits_the_inline_template_body_limit(name):
    module = sys.modules[catalog.specs()[name].module]
    limit = S3_BODY_LIMIT if getattr(module, "EXCEEDS_INLINE_LIMIT_BECAUSE", None) else INLINE_BODY_LIMIT
    for fmt in ("yaml", "json"):
        assert len(catalog.rendered(name, fmt).encode()) <= limit


@pytest.mark.parametrize("name", all_names())
def test_cfn_lint_reports_nothing(name):
    text = catalog.rendered(name, "yaml")
    ((_, findings, _),) = lint.lint_texts([(f"{name}.yaml", text)], jobs=1)
    assert [str(f) for f in findings] == []


def test_checkov_reports_no_failed_check_and_every_skip_has_a_reason(tmp_path):
    paths = []
    for name in catalog.names():
        paths.append(tmp_path / f"{name}.yaml")
        paths[-1].write_text(catalog.rendered(name, "yaml"))
    result = scan.scan_files(paths)
    assert [str(f) for f in result.failed] == []
    assert result.passed > 0
    assert [str(s) for s in result.unexplained_skips] == []


# checkov finding a planted problem: tests/test_check_reports.py (one checkov run serves it and the report tests)


def test_lint_finds_a_planted_problem_even_after_a_clean_cached_run(tmp_path):
    text = catalog.rendered("route53-failover", "yaml")
    broken = text.replace("RequestInterval: 30", "RequestInterval: 31")
    assert broken != text
    first = list(lint.lint_texts([("t.yaml", text)], cache_dir=tmp_path, jobs=1))
    again = list(lint.lint_texts([("t.yaml", text)], cache_dir=tmp_path, jobs=1))
    assert first[0][1] == again[0][1] == [] and again[0][2] is None  # served from cache
    planted = list(lint.lint_texts([("t.yaml", broken)], cache_dir=tmp_path, jobs=1))
    assert any(f.rule.startswith("E") for f in planted[0][1])
