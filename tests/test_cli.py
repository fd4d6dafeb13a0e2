"""The CLI end to end through click's runner: output, exit codes, files."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest
from conftest import ROOT, TEMPLATES_OUT

from cfn_catalog import __version__, catalog
from cfn_catalog.checks import lint
from cfn_catalog.cli.app import main


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"cfn-catalog, version {__version__}\n"


def every_command():
    return sorted(main.commands)


@pytest.mark.parametrize("command", every_command())
def test_every_command_has_help_with_an_example(runner, command):
    for flag in ("-h", "--help"):
        result = runner.invoke(main, [command, flag])
        assert result.exit_code == 0
        assert "Example:" in result.output


def test_list_json_has_one_row_per_template(runner):
    result = runner.invoke(main, ["list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [row["name"] for row in rows] == catalog.names()
    hello = next(row for row in rows if row["name"] == "helloworld-api")
    assert hello["capabilities"] == ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    assert hello["transform"] == "AWS::Serverless-2016-10-31"
    assert hello["size"] == len((TEMPLATES_OUT / "helloworld-api.yaml").read_bytes())


def test_list_table(runner):
    result = runner.invoke(main, ["list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "RESOURCES", "SIZE", "CAPABILITIES", "TRANSFORM", "CHILDREN", "DESCRIPTION"]
    assert [line.split()[0] for line in lines[1:]] == catalog.names()


def test_show(runner):
    result = runner.invoke(main, ["show", "helloworld-api"])
    assert result.exit_code == 0
    assert "HealthStatus (String): default=ok; AllowedValues=[ok, fail]" in result.output
    assert "Capabilities (whole tree): CAPABILITY_IAM, CAPABILITY_AUTO_EXPAND" in result.output
    assert "    2  AWS::Serverless::Function" in result.output


def test_show_prints_values_as_yaml_writes_them(runner):
    """Lists in flow style, strings unquoted unless YAML needs quotes, patterns with single backslashes."""
    result = runner.invoke(main, ["show", "helloworld-api"])
    assert result.exit_code == 0
    size = len((TEMPLATES_OUT / "helloworld-api.yaml").read_bytes())
    domain = r"^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
    certificate = r"^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"
    assert result.output == (
        "helloworld-api\n"
        "  Regional hello-world REST API (API Gateway + Lambda) with a health check, for latency-based multi-region"
        " failover\n"
        "\n"
        "Transform: AWS::Serverless-2016-10-31\n"
        "Capabilities (whole tree): CAPABILITY_IAM, CAPABILITY_AUTO_EXPAND\n"
        f"Size: {size} bytes (YAML)\n"
        "\n"
        "Parameters (4):\n"
        "  HealthStatus (String): default=ok; AllowedValues=[ok, fail]\n"
        f"  DomainName (String): default=''; AllowedPattern={domain}\n"
        f"  CertificateArn (String): default=''; AllowedPattern={certificate}\n"
        "  ReservedConcurrency (Number): default=0; MinValue=0; MaxValue=1000\n"
        "\n"
        "Conditions (2): HasReservedConcurrency, HasCustomDomain\n"
        "\n"
        "Resources (12):\n"
        "    1  AWS::ApiGateway::Account\n"
        "    1  AWS::ApiGateway::BasePathMapping\n"
        "    1  AWS::ApiGateway::DomainName\n"
        "    3  AWS::IAM::Role\n"
        "    3  AWS::Logs::LogGroup\n"
        "    1  AWS::Serverless::Api\n"
        "    2  AWS::Serverless::Function\n"
        "\n"
        "Outputs (5):\n"
        "  RestAPIID: Id of the REST API\n"
        "  HealthEndpointHost: Host name to health-check from Route 53\n"
        "  HelloworldApiUrl: URL of GET /helloworld\n"
        "  HealthcheckApiUrl: URL of GET /healthcheck\n"
        "  RegionalDomainTargetName: Target of the custom domain: the CNAME value for route53-failover\n"
        "\n"
        "Nested stacks:\n"
        "  -\n"
    )
    assert "\\\\" not in result.output  # no doubled backslash anywhere


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("ok", "ok"),
        (["ok", "fail"], "[ok, fail]"),
        (["false", "true"], "['false', 'true']"),  # YAML would read them as booleans
        ("", "''"),
        ("10", "'10'"),
        (10, "10"),
        ("^\\d{12}$", "^\\d{12}$"),
        ("a: b", "'a: b'"),
        ("*.example.com", "'*.example.com'"),
    ],
)
def test_show_values(value, shown):
    from cfn_catalog.views import report

    assert report.yaml_value(value) == shown


def test_show_json(runner):
    result = runner.invoke(main, ["show", "route53-failover", "--json"])
    details = json.loads(result.output)
    assert details["parameters"]["Region1"]["default"] == "us-east-1"
    assert details["parameters"]["HostedZoneId"]["required"] is True
    assert details["resources_by_type"] == {"AWS::Route53::HealthCheck": 2, "AWS::Route53::RecordSet": 2}


def test_render_writes_both_formats_then_reports_unchanged(runner, in_tmp):
    result = runner.invoke(main, ["render", "route53-failover"])
    assert result.exit_code == 0
    assert result.stdout == "wrote templates_out/route53-failover.yaml\nwrote templates_out/route53-failover.json\n"
    assert result.stderr == "2 written, 0 unchanged in templates_out\n"  # the summary, on stderr
    assert (in_tmp / "templates_out/route53-failover.yaml").read_text() == catalog.rendered("route53-failover")
    again = runner.invoke(main, ["render", "route53-failover"])
    assert (again.stdout, again.stderr) == ("", "0 written, 2 unchanged in templates_out\n")


def test_render_format_and_out(runner, in_tmp):
    result = runner.invoke(main, ["render", "route53-failover", "--format", "json", "--out", "build/x", "-q"])
    assert result.exit_code == 0 and result.output == ""
    assert [p.name for p in (in_tmp / "build/x").iterdir()] == ["route53-failover.json"]


def test_render_stdout(runner):
    result = runner.invoke(main, ["render", "route53-failover", "--stdout"])
    assert result.exit_code == 0
    assert result.output == catalog.rendered("route53-failover", "yaml")


def test_render_check_is_clean_on_the_committed_files(runner, monkeypatch):
    monkeypatch.chdir(TEMPLATES_OUT.parent)
    result = runner.invoke(main, ["render", "--all", "--check"])
    assert result.exit_code == 0, result.output


def test_render_check_lists_stale_missing_and_orphaned_files_and_writes_nothing(runner, in_tmp):
    runner.invoke(main, ["render", "--all"])
    out = in_tmp / "templates_out"
    (out / "route53-failover.yaml").write_text("old\n")
    (out / "sam-artifacts-bucket.json").unlink()
    (out / "renamed-template.yaml").write_text("x\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = runner.invoke(main, ["render", "--all", "--check"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "stale: templates_out/route53-failover.yaml",
        "missing: templates_out/sam-artifacts-bucket.json",
        "orphan: templates_out/renamed-template.yaml",
    ]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["render", "helloworld-apj"], 2, "Error: unknown template 'helloworld-apj'; did you mean helloworld-api?"),
        (["show", "route53"], 2, "Error: unknown template 'route53'; did you mean route53-failover?"),
        (["render"], 2, "Error: name at least one template, or use --all"),
        (["render", "route53-failover", "--all"], 2, "Error: give template names or --all, not both"),
        (["render", "--all", "--stdout"], 2, "Error: --stdout prints one template; name exactly one"),
        (["render", "route53-failover", "--stdout", "--check"], 2, "Error: --stdout and --check cannot be combined"),
        (["lint", "route53-failover", "--dir", "nowhere"], 1, "Error: nowhere/route53-failover.yaml not found"),
        (["render", "route53-failover", "--format", "toml"], 2, "Invalid value for '--format'"),
    ],
)
def test_bad_input_gives_one_line_and_exit_code(runner, in_tmp, args, code, message):
    result = runner.invoke(main, args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not (in_tmp / "templates_out").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_unwritable_out_is_one_line_and_leaves_files_untouched(runner, in_tmp):
    out = in_tmp / "ro"
    out.mkdir()
    (out / "route53-failover.yaml").write_text("kept\n")
    out.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = runner.invoke(main, ["render", "route53-failover", "--out", str(out)])
    finally:
        out.chmod(stat.S_IRWXU)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write to") and result.stderr.count("\n") == 1
    assert (out / "route53-failover.yaml").read_text() == "kept\n"


def test_out_that_is_a_file_is_one_line(runner, in_tmp):
    (in_tmp / "afile").write_text("x")
    result = runner.invoke(main, ["render", "route53-failover", "--out", "afile/sub"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write to afile/sub")


def test_lint_prints_findings_as_file_line_col_rule(runner, in_tmp):
    out = in_tmp / "templates_out"
    runner.invoke(main, ["render", "route53-failover", "--format", "yaml"])
    path = out / "route53-failover.yaml"
    path.write_text(path.read_text().replace("RequestInterval: 30", "RequestInterval: 31"))
    result = runner.invoke(main, ["lint", "route53-failover", "-q"])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("templates_out/route53-failover.yaml:")
    assert " E3034 " in first or " E30" in first


def test_lint_clean(runner, monkeypatch):
    monkeypatch.chdir(TEMPLATES_OUT.parent)
    result = runner.invoke(main, ["lint", "sam-artifacts-bucket", "route53-failover"])
    assert result.exit_code == 0
    assert result.stderr == "2 templates lint clean\n"


def test_python_dash_m_and_light_startup():
    code = (
        "import sys, cfn_catalog.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('troposphere', 'awacs', 'cfnlint', 'boto3', 'botocore', 'checkov', 'yaml')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"
    help_ = subprocess.run([sys.executable, "-m", "cfn_catalog", "--help"], capture_output=True, text=True)
    assert help_.returncode == 0 and "Usage: python -m cfn_catalog" in help_.stdout


@pytest.mark.parametrize("command", every_command())
def test_every_command_is_in_the_readme_and_the_reference(command):
    from conftest import ROOT

    assert f"`cfn-catalog {command}" in (ROOT / "README.md").read_text()
    assert f"## cfn-catalog {command}\n" in (ROOT / "docs" / "cli.md").read_text()


def test_progress_bar_only_on_a_terminal_and_never_when_quiet(monkeypatch):
    import sys

    from cfn_catalog.cli.options import progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert type(progress(3, "x", quiet=False)).__name__ == "_NoProgress"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert type(progress(3, "x", quiet=True)).__name__ == "_NoProgress"
    assert type(progress(3, "x", quiet=False)).__name__ == "ProgressBar"


def test_lint_verbose_shows_each_templates_timing_then_cache_use(runner, monkeypatch):
    monkeypatch.chdir(TEMPLATES_OUT.parent)
    first = runner.invoke(main, ["lint", "route53-failover", "-v"])
    assert first.exit_code == 0
    assert first.stderr.splitlines()[0] == f"cfn-lint {lint.cfnlint_version()}, speedups on"
    assert re.search(r"templates_out/route53-failover.yaml: 0 findings \(\d+\.\d\ds\)", first.stderr)
    again = runner.invoke(main, ["lint", "route53-failover", "-v"])
    assert "templates_out/route53-failover.yaml: 0 findings (cached)" in again.stderr


def test_lint_verbose_says_when_and_why_the_speedups_are_off(monkeypatch):
    from cfn_catalog.checks import lint_speedups

    verified = lint_speedups.VERIFIED_CFNLINT
    assert lint_speedups.status("1.0.0") == f"cfn-lint 1.0.0, speedups off (verified for cfn-lint {verified} only)"
    monkeypatch.setenv(lint_speedups.SWITCH_ENV, "0")
    assert lint_speedups.status(verified) == f"cfn-lint {verified}, speedups off (CFN_CATALOG_LINT_SPEEDUPS=0)"


def test_list_cuts_long_child_lists_and_names_sam_transforms(runner):
    result = runner.invoke(main, ["list"], env={"COLUMNS": "240"})
    row = next(line for line in result.stdout.splitlines() if line.startswith("cjis-reference "))
    assert "+5 more" in row
    hello = next(line for line in result.stdout.splitlines() if line.startswith("helloworld-api "))
    assert hello.split()[4] == "SAM"


def test_render_of_a_parent_writes_its_whole_tree(runner, in_tmp):
    result = runner.invoke(main, ["render", "ethereum-network", "--format", "yaml", "-q"])
    assert result.exit_code == 0
    assert sorted(p.stem for p in (in_tmp / "templates_out").iterdir()) == sorted(catalog.tree("ethereum-network"))
    assert len(catalog.tree("ethereum-network")) == 5


def test_render_check_suggests_prune_for_orphans_and_prune_removes_them(runner, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(main, ["render", "--all", "-q", "--out", str(out)]).exit_code == 0
    (out / "old-template.yaml").write_text("Resources: {}\n")
    checked = runner.invoke(main, ["render", "--all", "--check", "--out", str(out)])
    assert checked.exit_code == 1
    assert "orphan" in checked.stdout and "run 'cfn-catalog render --all --prune'" in checked.stderr
    pruned = runner.invoke(main, ["render", "--all", "--prune", "--out", str(out)])
    assert pruned.exit_code == 0 and f"removed {out / 'old-template.yaml'}" in pruned.stderr
    assert not (out / "old-template.yaml").exists()
    assert runner.invoke(main, ["render", "--all", "--check", "--out", str(out)]).exit_code == 0
    refused = runner.invoke(main, ["render", "route53-failover", "--prune", "--out", str(out)])
    assert refused.exit_code == 2 and "use it with --all" in refused.stderr


def test_params_export_names_the_no_echo_parameters_it_leaves_out(runner, monkeypatch):
    monkeypatch.chdir(TEMPLATES_OUT.parent)
    result = runner.invoke(main, ["params", "modern-dw", "--env", "example", "--format", "cli"])
    assert result.exit_code == 0, result.output
    assert "ContentAdminPassword" not in result.stdout
    assert "left out ContentAdminPassword (NoEcho, required)" in result.stderr
    assert "CFN_CATALOG_PARAM_ContentAdminPassword" in result.stderr


def test_counts_agree_in_number():
    from cfn_catalog.wording import count

    assert [count(n, "template") for n in (0, 1, 2)] == ["0 templates", "1 template", "2 templates"]
    assert count(1, "data-loss risk") == "1 data-loss risk" and count(3, "data-loss risk") == "3 data-loss risks"
    assert count(2, "child", "children") == "2 children"


def test_a_solution_of_one_stack_is_planned_as_one_stack_in_one_wave(runner):
    from conftest import ROOT

    result = runner.invoke(
        main,
        ["solution", "plan", "s3-onezone-ia-bucket", "--env", "example", "--solutions-dir", str(ROOT / "solutions")],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "s3-onezone-ia-bucket (env example): 1 stack in 1 wave"


def test_summaries_count_in_number(runner, tmp_path):
    out = tmp_path / "out"
    runner.invoke(main, ["render", "route53-failover", "-q", "--out", str(out), "--format", "yaml"])
    checked = runner.invoke(main, ["render", "route53-failover", "--check", "--out", str(out), "--format", "yaml"])
    assert checked.stderr.strip() == f"1 file up to date in {out}"
    profiles = runner.invoke(main, ["params", "route53-failover", "--check", "--params-dir", str(ROOT / "params")])
    assert profiles.stderr.strip() == f"1 profile valid in {ROOT / 'params'}"
