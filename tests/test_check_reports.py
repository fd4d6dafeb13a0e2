"""lint and scan reports for machines: --format json and sarif, --out, -q/-v; files that are not templates."""

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, TEMPLATES_OUT

from cfn_catalog.checks import lint, scan, structure
from cfn_catalog.cli.app import main

SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0-subset.json").read_text())


def valid_sarif(text: str) -> dict:
    """A SARIF 2.1.0 log (checked against the schema), with what code-scanning UIs need present."""
    log = json.loads(text)
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    for run in log["runs"]:
        rules = {r["id"]: r for c in (run["tool"]["driver"], *run["tool"]["extensions"]) for r in c["rules"]}
        for rule in rules.values():
            assert rule["shortDescription"]["text"] and rule["help"]["text"]
        for result in run["results"]:
            assert result["ruleId"] in rules
            if "ruleIndex" in result:
                assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
            else:
                extension = run["tool"]["extensions"][result["rule"]["toolComponent"]["index"]]
                assert extension["rules"][result["rule"]["index"]]["id"] == result["ruleId"]
            (location,) = result["locations"]
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith(("/", "file:")), uri  # relative to the repository
            assert location["physicalLocation"]["region"]["startLine"] >= 1
    return log


def planted_lint_finding(tmp):
    out = tmp / "templates_out"
    out.mkdir(exist_ok=True)
    text = (TEMPLATES_OUT / "route53-failover.yaml").read_text()
    (out / "route53-failover.yaml").write_text(text.replace("RequestInterval: 30", "RequestInterval: 31"))
    (out / "broken.yaml").write_text("Resources: {}\n")


def test_lint_json_lists_each_finding_with_file_line_column_rule_level_and_message(runner, in_tmp):
    planted_lint_finding(in_tmp)
    result = runner.invoke(main, ["lint", "--all", "--format", "json", "-q"])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert {tuple(row) for row in rows} == {("file", "line", "column", "rule", "severity", "level", "message")}
    broken, *planted = rows
    assert broken == {
        "file": "templates_out/broken.yaml",
        "line": 1,
        "column": 1,
        "rule": structure.RULE,
        "severity": "error",
        "level": "error",
        "message": "not a complete template: Resources is empty (a template declares at least one resource)",
    }
    assert planted and all(r["file"] == "templates_out/route53-failover.yaml" and r["line"] > 1 for r in planted)
    assert any(r["rule"].startswith("E30") for r in planted)
    assert result.stderr == f"{len(rows)} findings in 2 templates\n"  # the summary on stderr, the report on stdout


def test_lint_sarif_is_valid_with_rules_help_and_paths_relative_to_the_repository(runner, in_tmp, monkeypatch):
    (in_tmp / ".git").mkdir()  # the repository root; the command runs in a folder below it
    planted_lint_finding(in_tmp)
    (in_tmp / "sub").mkdir()
    monkeypatch.chdir(in_tmp / "sub")
    result = runner.invoke(main, ["lint", "--all", "--dir", "../templates_out", "--format", "sarif"])
    assert result.exit_code == 1
    log = valid_sarif(result.stdout)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "cfn-lint"
    assert run["tool"]["driver"]["version"] == lint.cfnlint_version()
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"templates_out/broken.yaml", "templates_out/route53-failover.yaml"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert structure.RULE not in rules and run["tool"]["extensions"][0]["name"] == "cfn-catalog"
    e30 = next(rule for rule_id, rule in rules.items() if rule_id.startswith("E30"))
    assert e30["helpUri"].startswith("https://") and e30["defaultConfiguration"]["level"] == "error"
    assert all(r["level"] == "error" for r in run["results"])
    assert all("startColumn" in r["locations"][0]["physicalLocation"]["region"] for r in run["results"])


def test_lint_sarif_of_a_clean_catalog_is_a_run_without_results(runner, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(main, ["lint", "route53-failover", "--format", "sarif", "-q"])
    assert result.exit_code == 0 and result.stderr == ""
    log = valid_sarif(result.stdout)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_lint_out_writes_the_report_atomically_and_keeps_the_exit_code(runner, in_tmp):
    planted_lint_finding(in_tmp)
    result = runner.invoke(main, ["lint", "--all", "--format", "sarif", "--out", "reports/cfn-lint.sarif"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == "wrote reports/cfn-lint.sarif"
    valid_sarif((in_tmp / "reports/cfn-lint.sarif").read_text())
    assert [p.name for p in (in_tmp / "reports").iterdir()] == ["cfn-lint.sarif"]  # no temporary file left
    quiet = runner.invoke(main, ["lint", "--all", "--out", "reports/lint.txt", "-q"])
    assert quiet.exit_code == 1 and quiet.stdout == "" and "wrote" not in quiet.stderr
    assert (in_tmp / "reports/lint.txt").read_text().startswith("templates_out/broken.yaml:1:1 CATALOG-TEMPLATE ")


def test_lint_text_prints_a_multi_line_message_on_one_line(runner, in_tmp):
    (in_tmp / "t").mkdir()
    (in_tmp / "t/x.yaml").write_text("Resources:\n  A: {Type: AWS::SNS::Topic}\n---\nx: 1\n")
    result = runner.invoke(main, ["lint", "x", "--dir", "t"])
    assert result.exit_code == 1
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("t/x.yaml:1:1 E0000 Template could not be parsed: expected a single document")


NOT_TEMPLATES = {
    "no-resources": ("AWSTemplateFormatVersion: '2010-09-09'\nOutputs: {}\n", "no Resources section"),
    "a-list": ("- a\n- b\n", "a list, not a mapping with Resources"),
    "a-value": ("just text\n", "a single value, not a mapping with Resources"),
    "empty": ("", "the file is empty (no Resources)"),
    "only-comments": ("# nothing\n", "an empty document (no Resources)"),
    "invalid-yaml": (
        "Resources: [\n",
        "invalid YAML or JSON: while parsing a flow node did not find expected node content",
    ),
    "empty-resources": ("Resources: {}\n", "Resources is empty (a template declares at least one resource)"),
    "empty-resources-json": ('{"Resources": {}}', "Resources is empty (a template declares at least one resource)"),
    "resources-a-list": ("Resources: []\n", "Resources is not a mapping of resources"),
    "resource-without-type": ("Resources:\n  A: {Properties: {}}\n", "resource A has no Type"),
}


@pytest.mark.parametrize("case", sorted(NOT_TEMPLATES))
def test_lint_and_scan_never_pass_a_file_that_is_not_a_template(case, tmp_path):
    text, missing = NOT_TEMPLATES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    ((_, findings, _),) = lint.lint_texts([(str(path), text)], jobs=1)
    assert findings, "lint passed a file that is not a template"
    result = scan.scan_files([path])  # checkov is not run on it (it would skip it silently)
    assert result.failed == [] and result.passed == 0
    assert [(f.path, f.check, f.title) for f in result.not_templates] == [(str(path), structure.RULE, missing)]


def test_a_template_passes_the_structure_check():
    assert structure.check_text((TEMPLATES_OUT / "route53-failover.yaml").read_text()) is None
    assert structure.check_text((TEMPLATES_OUT / "route53-failover.json").read_text()) is None


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """One real checkov run: a failed check, an accepted one, a skip without a reason, and a file that is no
    template, as the CLI scans them from the directory (returned) that holds templates_out/."""
    import os

    root = tmp_path_factory.mktemp("scan")
    out = root / "templates_out"
    out.mkdir()
    text = (TEMPLATES_OUT / "sam-artifacts-bucket.yaml").read_text()
    text = text.replace("BlockPublicAcls: true", "BlockPublicAcls: false")
    assert "- id: CKV_AWS_18\n            comment: " in text
    (out / "sam-artifacts-bucket.yaml").write_text(text)
    topic = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Metadata:\n      checkov:\n        skip:\n"
    (out / "topic.yaml").write_text(topic + "          - id: CKV_AWS_26\n            comment: later\n")
    (out / "broken.yaml").write_text("- not a template\n")
    before = Path.cwd()
    os.chdir(root)
    try:
        result = scan.scan_files(sorted(Path("templates_out") / p.name for p in out.iterdir()))
    finally:
        os.chdir(before)
    return root, result


def test_checkov_finds_a_planted_problem(scanned):
    _, result = scanned
    assert [f.check for f in result.failed] == ["CKV_AWS_53"]  # BlockPublicAcls: false
    assert result.passed > 0


@pytest.fixture
def scan_cli(scanned, monkeypatch, runner):
    root, result = scanned
    monkeypatch.chdir(root)
    monkeypatch.setattr(scan, "scan_files", lambda paths: result)
    return lambda *args: runner.invoke(main, ["scan", "--all", *args])


def test_scan_json_names_check_resource_and_whether_accepted_with_its_reason(scan_cli):
    result = scan_cli("--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    keys = ("file", "line", "column", "rule", "check", "level", "message", "resource", "accepted", "reason")
    assert all(tuple(row) == keys for row in rows)
    by_check = {row["check"]: row for row in rows}
    assert by_check["CKV_AWS_53"] | {"line": None} == {
        "file": "templates_out/sam-artifacts-bucket.yaml",
        "line": None,
        "column": None,
        "rule": "CKV_AWS_53",
        "check": "CKV_AWS_53",
        "level": "error",
        "message": "Ensure S3 bucket has block public ACLS enabled",
        "resource": "AWS::S3::Bucket.ArtifactBucket",
        "accepted": False,
        "reason": None,
    }
    assert by_check["CKV_AWS_53"]["line"] > 1
    accepted = by_check["CKV_AWS_18"]
    assert accepted["accepted"] is True and accepted["reason"].startswith("access logging is on when")
    short = by_check["CKV_AWS_26"]
    assert short["accepted"] is False and short["reason"] == "later" and "without a written reason" in short["message"]
    assert by_check[structure.RULE] == {
        "file": "templates_out/broken.yaml",
        "line": 1,
        "column": None,
        "rule": structure.RULE,
        "check": structure.RULE,
        "level": "error",
        "message": "not a complete template: a list, not a mapping with Resources",
        "resource": None,
        "accepted": False,
        "reason": None,
    }


def test_scan_sarif_suppresses_accepted_findings_in_source_with_the_reason(scan_cli):
    result = scan_cli("--format", "sarif")
    assert result.exit_code == 1
    (run,) = valid_sarif(result.stdout)["runs"]
    assert run["tool"]["driver"]["name"] == "checkov"
    results = {r["ruleId"]: r for r in run["results"]}
    assert results["CKV_AWS_18"]["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": results["CKV_AWS_18"]["suppressions"][0]["justification"],
        }
    ]
    assert results["CKV_AWS_18"]["suppressions"][0]["justification"].startswith("access logging is on when")
    assert "suppressions" not in results["CKV_AWS_53"] and "suppressions" not in results["CKV_AWS_26"]
    assert results[structure.RULE]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "templates_out/broken.yaml"
    )
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["CKV_AWS_53"]["shortDescription"]["text"] == "Ensure S3 bucket has block public ACLS enabled"


def test_scan_text_is_unchanged_and_names_a_file_that_is_not_a_template(scan_cli):
    result = scan_cli()
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "FAILED templates_out/sam-artifacts-bucket.yaml AWS::S3::Bucket.ArtifactBucket CKV_AWS_53 " in lines[0]
    assert lines[1].startswith("SKIPPED WITHOUT REASON templates_out/topic.yaml AWS::SNS::Topic.T CKV_AWS_26 ")
    assert lines[2] == "NOT A TEMPLATE templates_out/broken.yaml: a list, not a mapping with Resources"
    assert result.stderr.endswith(" failed, 2 accepted with a reason, 1 not a template\n")


def test_scan_verbose_names_checkov_and_each_file_and_quiet_prints_no_summary_when_clean(
    scan_cli, scanned, monkeypatch
):
    verbose = scan_cli("-v")
    lines = verbose.stderr.splitlines()
    assert lines[0] == f"checkov {scan.checkov_version()}, offline, 3 files"
    assert "templates_out/broken.yaml: 0 passed, 1 failed, 0 skipped" in lines
    assert any(line.startswith("templates_out/sam-artifacts-bucket.yaml: ") for line in lines)
    monkeypatch.setattr(scan, "scan_files", lambda paths: scan.ScanResult([], [], 3))
    quiet = scan_cli("-q")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    normal = scan_cli()
    assert normal.exit_code == 0 and normal.stderr == "3 passed, 0 failed, 0 accepted with a reason\n"
