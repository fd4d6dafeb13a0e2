"""Table-driven bad input across commands: one line naming the problem, the
documented exit code, no traceback, and no file changed."""

import shutil

import pytest
from conftest import ROOT

from cfn_catalog.cli.app import main

PROFILE = "params/route53-failover/example.yaml"


def _write(relative, text):
    def setup(tmp):
        path = tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    return setup


def _render_first(tmp):
    (tmp / "templates_out").mkdir()
    shutil.copy(ROOT / "templates_out" / "route53-failover.yaml", tmp / "templates_out")


def _render_flink_app(tmp):
    (tmp / "templates_out").mkdir()
    shutil.copy(ROOT / "templates_out" / "kinesis-analytics-app.yaml", tmp / "templates_out")


def _write_bytes(relative, data):
    def setup(tmp):
        path = tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return setup


class Reported(str):
    """Bad input that lint or scan reports as a finding: this one line on stdout (the report), the
    one-line summary on stderr, exit 1. Such a file never passes."""


def _rendered_and(relative, text):
    def setup(tmp):
        _render_first(tmp)
        _write(relative, text)(tmp)

    return setup


def _profiles(tmp):
    shutil.copytree(ROOT / "params", tmp / "params")


DR = "Description: d\nSteps:\n  dr: {Template: ebs-snapshot-dr, Region: us-east-2}\n"
PRIMARY = "  primary: {{Template: ebs-snapshot-primary, Region: us-east-1, Parameters: {{{}}}}}\n"


def _solution(text):
    def setup(tmp):
        _profiles(tmp)
        _write("solutions/s.yaml", text)(tmp)

    return setup


CASES = [
    # (id, args, setup, exit code, text in the one stderr line)
    ("unknown-template", ["render", "route53"], None, 2, "unknown template 'route53'; did you mean route53-failover?"),
    ("no-names", ["render"], None, 2, "name at least one template, or use --all"),
    ("names-and-all", ["lint", "x", "--all"], None, 2, "give template names or --all, not both"),
    ("stdout-many", ["render", "--all", "--stdout"], None, 2, "--stdout prints one template"),
    ("stdout-and-check", ["render", "route53-failover", "--stdout", "--check"], None, 2, "cannot be combined"),
    ("bad-choice", ["render", "route53-failover", "--format", "toml"], None, 2, "Invalid value for '--format'"),
    ("unknown-option", ["render", "--colour"], None, 2, "No such option '--colour'"),
    ("missing-argument", ["show"], None, 2, "Missing argument 'NAME'"),
    (
        "out-under-a-file",
        ["render", "route53-failover", "--out", "f/sub"],
        _write("f", "x"),
        1,
        "cannot write to f/sub",
    ),
    ("lint-not-rendered", ["lint", "route53-failover"], None, 1, "templates_out/route53-failover.yaml not found"),
    ("lint-empty-dir", ["lint", "--all", "--dir", "empty"], _write("empty/.keep", ""), 1, "no rendered templates in"),
    ("scan-unknown", ["scan", "nope"], _render_first, 2, "unknown template 'nope'"),
    ("params-no-env", ["params", "route53-failover"], None, 2, "give a template NAME and --env ENV"),
    ("params-check-with-env", ["params", "--check", "--env", "dev"], None, 2, "it takes no --env, --region or --out"),
    (
        "params-no-profile",
        ["params", "route53-failover", "--env", "prod"],
        _profiles,
        1,
        "no profile params/route53-failover/prod.yaml",
    ),
    ("params-bad-env-name", ["params", "route53-failover", "--env", "../x"], _profiles, 1, "invalid environment name"),
    (
        "params-invalid-yaml",
        ["params", "route53-failover", "--env", "dev"],
        _write("params/route53-failover/dev.yaml", "Parameters: [\n"),
        1,
        "dev.yaml:2: invalid YAML",
    ),
    (
        "params-wrong-shape",
        ["params", "route53-failover", "--env", "dev"],
        _write("params/route53-failover/dev.yaml", "- a\n"),
        1,
        "a profile is a mapping",
    ),
    (
        "params-unknown-parameter",
        ["params", "sam-artifacts-bucket", "--env", "dev"],
        _write("params/sam-artifacts-bucket/dev.yaml", "Parameters:\n  BucketNme: x\n"),
        1,
        "dev.yaml:2: BucketNme: not a parameter of sam-artifacts-bucket; did you mean BucketName?",
    ),
    (
        "params-wrong-type",
        ["params", "sam-artifacts-bucket", "--env", "dev"],
        _write("params/sam-artifacts-bucket/dev.yaml", "Parameters:\n  NoncurrentVersionExpirationDays: soon\n"),
        1,
        "NoncurrentVersionExpirationDays: 'soon' is not a number",
    ),
    (
        "params-out-of-range",
        ["params", "sam-artifacts-bucket", "--env", "dev"],
        _write("params/sam-artifacts-bucket/dev.yaml", "Parameters:\n  NoncurrentVersionExpirationDays: 0\n"),
        1,
        "is below MinValue 1",
    ),
    (
        "params-unwritable-out",
        ["params", "route53-failover", "--env", "example", "--out", "f/p.json"],
        lambda t: (_profiles(t), _write("f", "x")(t)),
        1,
        "cannot write to f",
    ),
    (
        "launch-bad-region",
        ["launch-url", "route53-failover", "--region", "mars-1", "--bucket", "my-bucket"],
        None,
        2,
        "invalid region 'mars-1'",
    ),
    (
        "launch-bad-stack-name",
        ["launch-url", "route53-failover", "--region", "us-east-1", "--bucket", "my-bucket", "--stack-name", "9lives"],
        None,
        2,
        "invalid stack name '9lives'",
    ),
    (
        "launch-oversized-url",
        [
            "launch-url",
            "route53-failover",
            "--region",
            "us-east-1",
            "--bucket",
            "my-bucket",
            "--prefix",
            "p" * 1100 + "/",
        ],
        None,
        2,
        "CloudFormation accepts at most 1024",
    ),
    (
        "launch-bad-prefix",
        ["launch-url", "route53-failover", "--region", "us-east-1", "--bucket", "my-bucket", "--prefix", "a//b/"],
        None,
        2,
        "invalid prefix 'a//b/'",
    ),
    (
        "launch-bad-bucket",
        ["launch-url", "route53-failover", "--region", "us-east-1", "--bucket", "My_Templates"],
        None,
        2,
        "invalid bucket name 'My_Templates'",
    ),
    (
        "publish-bad-bucket-placeholder",
        ["publish", "route53-failover", "--bucket", "tpl-{account}"],
        None,
        2,
        "the only placeholder is {region}",
    ),
    (
        "publish-bad-region",
        ["publish", "route53-failover", "--bucket", "tpl-{region}", "--region", "us-moon-1"],
        None,
        2,
        "invalid region 'us-moon-1'",
    ),
    (
        "launch-no-region",
        ["launch-url", "route53-failover", "--bucket", "my-bucket"],
        None,
        2,
        "no region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION",
    ),
    ("graph-bad-format", ["graph", "route53-failover", "--format", "png"], None, 2, "Invalid value for '--format'"),
    ("docs-bad-region", ["docs", "--regions", "us-east-1,atlantis"], None, 2, "invalid region 'atlantis'"),
    (
        "docs-readme-without-markers",
        ["docs", "--check", "--readme", "R.md"],
        _write("R.md", "# no markers\n"),
        1,
        "cannot update R.md",
    ),
    (
        "diff-both-sources",
        ["diff", "route53-failover", "--against", "HEAD", "--against-dir", "x"],
        None,
        2,
        "give --against or --against-dir, not both",
    ),
    (
        "diff-dir-missing",
        ["diff", "route53-failover", "--against-dir", "nowhere"],
        None,
        1,
        "--against-dir nowhere is not a directory",
    ),
    ("diff-unknown-ref", ["diff", "route53-failover", "--against", "v9.9.9"], None, 1, "unknown git ref 'v9.9.9'"),
    (
        "publish-bad-bucket",
        ["publish", "route53-failover", "--bucket", "Bad_Bucket", "--region", "us-east-1"],
        _render_first,
        2,
        "invalid bucket name 'Bad_Bucket'",
    ),
    (
        "publish-not-rendered",
        ["publish", "route53-failover", "--bucket", "my-templates", "--region", "us-east-1"],
        None,
        1,
        "route53-failover.yaml not found",
    ),
    (
        "publish-jar-unreachable",  # its code bundle needs a jar from Maven Central; tests are offline
        ["publish", "kinesis-analytics-app", "--bucket", "my-templates", "--region", "us-east-1", "--dry-run"],
        _render_flink_app,
        1,
        "could not download org.apache.flink:flink-sql-connector-kinesis:5.0.0-1.20 from https://repo1.maven.org",
    ),
    (
        "deploy-bad-region",
        ["deploy", "route53-failover", "--env", "example", "--region", "mars-1"],
        lambda t: (_profiles(t), _render_first(t)),
        2,
        "invalid region 'mars-1'",
    ),
    (
        "deploy-bad-stack-name",
        ["deploy", "route53-failover", "--env", "example", "--region", "us-east-1", "--stack-name", "9x"],
        lambda t: (_profiles(t), _render_first(t)),
        2,
        "invalid stack name '9x'",
    ),
    (
        "deploy-no-credentials",
        ["deploy", "route53-failover", "--env", "example", "--region", "us-east-1", "--yes"],
        lambda t: (_profiles(t), _render_first(t)),
        1,
        "no AWS credentials found",
    ),
    (
        "status-no-credentials",
        ["status", "route53-failover", "--env", "example"],
        _profiles,
        1,
        "no AWS credentials found",
    ),
    (
        "delete-needs-region",
        ["delete", "route53-failover", "--env", "example"],
        None,
        2,
        "give the --region of the stack to delete",
    ),
    (
        "solution-unknown",
        ["solution", "plan", "ebs-snapshots", "--env", "example"],
        None,
        2,
        "unknown solution 'ebs-snapshots'",
    ),
    (
        "solution-bad-env",
        ["solution", "plan", "s", "--env", "Prod"],
        _solution(DR),
        2,
        "invalid environment name 'Prod'",
    ),
    (
        "solution-malformed",
        ["solution", "plan", "s", "--env", "example"],
        _solution("Steps: [a\n"),
        1,
        "s.yaml:2: invalid YAML",
    ),
    (
        "solution-unknown-template",
        ["solution", "deploy", "s", "--env", "example", "--yes"],
        _solution("Description: d\nSteps:\n  x: {Template: ebs-snapshot, Region: us-east-1}\n"),
        1,
        "s.yaml:3: step x: unknown template 'ebs-snapshot'; did you mean ebs-snapshot-dr?",
    ),
    (
        "solution-unknown-step",
        ["solution", "deploy", "s", "--env", "example", "--yes"],
        _solution(DR + PRIMARY.format("DRRegion: !Region drr")),
        1,
        "no step 'drr' (steps: dr, primary)",
    ),
    (
        "solution-missing-output",
        ["solution", "deploy", "s", "--env", "example", "--yes"],
        _solution(DR + PRIMARY.format("NotificationEmail: !Output dr.Email")),
        1,
        "ebs-snapshot-dr has no output 'Email'",
    ),
    (
        "solution-cycle",
        ["solution", "plan", "s", "--env", "example"],
        _solution(
            DR.replace("Region: us-east-2", "Region: us-east-2, DependsOn: [primary]")
            + PRIMARY.format("DRRegion: !Region dr")
        ),
        1,
        "the steps form a cycle (dr -> primary -> dr)",
    ),
    (
        "solution-undeclared-parameter",
        ["solution", "plan", "s", "--env", "example"],
        _solution(DR + PRIMARY.format("DRRegoin: us-east-2")),
        1,
        "DRRegoin: not a parameter of ebs-snapshot-primary; did you mean DRRegion?",
    ),
    (
        "solution-region-value-unused",
        ["solution", "plan", "s", "--env", "example"],
        _solution(DR + PRIMARY.format("Retention: {us-west-2: 3}")),
        1,
        "Retention: a value for us-west-2, which this profile does not deploy to",
    ),
    (
        "solution-global-in-two-regions",
        ["solution", "plan", "s", "--env", "example"],
        _solution("Description: d\nSteps:\n  dns: {Template: route53-failover, Regions: [us-east-1, us-west-2]}\n"),
        1,
        "route53-failover is global (only Route 53, IAM or CloudFront resources) and is deployed once",
    ),
    (
        "solution-deploy-no-credentials",
        ["solution", "deploy", "s", "--env", "example", "--yes"],
        _solution(DR + PRIMARY.format("DRRegion: !Region dr")),
        1,
        "no AWS credentials found",
    ),
    # lint and scan: a file that is not a complete template is a finding (scan: checkov would skip it)
    (
        "lint-no-resources",
        ["lint", "x", "--dir", "t"],
        _write("t/x.yaml", "Description: d\n"),
        1,
        Reported("t/x.yaml:1:1 E1001 'Resources' is a required property"),
    ),
    ("lint-a-list", ["lint", "x", "--dir", "t"], _write("t/x.yaml", "- a\n"), 1, Reported("t/x.yaml:1:1 E0000")),
    ("lint-empty-file", ["lint", "x", "--dir", "t"], _write("t/x.yaml", ""), 1, Reported("t/x.yaml:1:1 E1001")),
    (
        "lint-invalid-yaml",
        ["lint", "x", "--dir", "t"],
        _write("t/x.yaml", "Resources: [\n"),
        1,
        Reported("t/x.yaml:2:1 E0000 did not find expected node content"),
    ),
    (
        "lint-two-documents",
        ["lint", "x", "--dir", "t"],
        _write("t/x.yaml", "Resources: {A: {Type: AWS::SNS::Topic}}\n---\nx: 1\n"),
        1,
        Reported("t/x.yaml:1:1 E0000 Template could not be parsed: expected a single document in the stream"),
    ),
    (
        "lint-empty-resources",
        ["lint", "x", "--dir", "t"],
        _write("t/x.yaml", "Resources: {}\n"),
        1,
        Reported("t/x.yaml:1:1 CATALOG-TEMPLATE not a complete template: Resources is empty"),
    ),
    (
        "lint-all-with-a-broken-file",
        ["lint", "--all", "-q"],
        _rendered_and("templates_out/zz.yaml", "Outputs: {}\n"),
        1,
        Reported("templates_out/zz.yaml:1:1 E1001 'Resources' is a required property"),
    ),
    (
        "lint-not-utf8",
        ["lint", "x", "--dir", "t"],
        _write_bytes("t/x.yaml", b"\xff\xfeR\x00"),
        1,
        "t/x.yaml is not UTF-8 text (byte 0), so not a template",
    ),
    (
        "scan-no-resources",
        ["scan", "x", "--dir", "t"],
        _write("t/x.yaml", "Description: d\n"),
        1,
        Reported("NOT A TEMPLATE t/x.yaml: no Resources section"),
    ),
    (
        "scan-a-list",
        ["scan", "x", "--dir", "t"],
        _write("t/x.yaml", "- a\n"),
        1,
        Reported("NOT A TEMPLATE t/x.yaml: a list, not a mapping with Resources"),
    ),
    (
        "scan-empty-file",
        ["scan", "x", "--dir", "t"],
        _write("t/x.yaml", ""),
        1,
        Reported("NOT A TEMPLATE t/x.yaml: the file is empty (no Resources)"),
    ),
    (
        "scan-invalid-yaml",
        ["scan", "x", "--dir", "t"],
        _write("t/x.yaml", "Resources: [\n"),
        1,
        Reported("NOT A TEMPLATE t/x.yaml:2: invalid YAML or JSON: while parsing a flow node did not find expected"),
    ),
    (
        "scan-empty-resources",
        ["scan", "x", "--dir", "t", "-q"],
        _write("t/x.yaml", "Resources: {}\n"),
        1,
        Reported("NOT A TEMPLATE t/x.yaml: Resources is empty"),
    ),
    (
        "scan-not-utf8",
        ["scan", "--all", "--dir", "t"],
        _write_bytes("t/x.yaml", b"\xff\xfeR\x00"),
        1,
        "t/x.yaml is not UTF-8 text (byte 0), so not a template",
    ),
    # lint and scan take template names (files are found in --dir), one of -q and -v, and write reports safely
    (
        "lint-a-file-path",
        ["lint", "t/x.yaml"],
        _write("t/x.yaml", "Description: d\n"),
        2,
        "'t/x.yaml' is a file: name the template and give its directory, e.g. 'x --dir t'",
    ),
    ("scan-a-file-path", ["scan", "x.yaml"], None, 2, "'x.yaml' is a file: name the template and give its directory"),
    ("lint-quiet-and-verbose", ["lint", "--all", "-q", "-v"], None, 2, "give -q/--quiet or -v/--verbose, not both"),
    ("scan-quiet-and-verbose", ["scan", "x", "-qv"], None, 2, "give -q/--quiet or -v/--verbose, not both"),
    ("lint-bad-format", ["lint", "--all", "--format", "xml"], None, 2, "Invalid value for '--format'"),
    ("scan-bad-format", ["scan", "--all", "--format", "junit"], None, 2, "Invalid value for '--format'"),
    (
        "lint-out-under-a-file",
        ["lint", "x", "--dir", "t", "--format", "sarif", "--out", "f/r.sarif"],
        lambda t: (_write("t/x.yaml", "- a\n")(t), _write("f", "x")(t)),
        1,
        "cannot write to f",
    ),
    (
        "scan-out-under-a-file",
        ["scan", "x", "--dir", "t", "--format", "json", "--out", "f/r.json"],
        lambda t: (_write("t/x.yaml", "- a\n")(t), _write("f", "x")(t)),
        1,
        "cannot write to f",
    ),
    (
        "scan-out-not-rendered",
        ["scan", "route53-failover", "--format", "sarif", "--out", "r.sarif"],
        None,
        1,
        "templates_out/route53-failover.yaml not found",
    ),
    (
        "params-region-not-aws",
        ["params", "helloworld-api", "--env", "example", "--region", "us-east-9"],
        _profiles,
        2,
        "invalid region 'us-east-9': not an AWS region; did you mean",
    ),
]


@pytest.fixture(autouse=True)
def _no_aws_credentials(monkeypatch, tmp_path):
    """No credentials anywhere (and no instance metadata lookups): AWS commands must say so in one line."""
    unset = (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    )
    for name in (*unset, "CFN_CATALOG_MAVEN_REPOSITORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _tree(directory):
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("args", "setup", "code", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(runner, in_tmp, args, setup, code, message):
    if setup:
        setup(in_tmp)
    before = _tree(in_tmp)
    result = runner.invoke(main, args)
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    if isinstance(message, Reported):
        assert result.stdout.count("\n") == 1 and message in result.stdout, result.stdout
    else:
        assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert _tree(in_tmp) == before


def test_the_suite_is_broad():
    assert len(CASES) >= 25
    assert len({c[1][0] for c in CASES}) >= 13  # commands covered


def test_aws_commands_without_boto3_say_how_to_install_it(runner, in_tmp, monkeypatch):
    import sys

    _profiles(in_tmp)
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if it were not installed
    result = runner.invoke(main, ["status", "route53-failover", "--env", "example"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: boto3 is missing: reinstall cfn-catalog (pip install -e .) or run 'pip install boto3'"
    ]


def test_boto3_is_a_core_requirement():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert any(line.startswith("boto3") for line in config["options"]["install_requires"].split())
