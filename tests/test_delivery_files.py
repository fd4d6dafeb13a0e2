"""The catalog's delivery files, checked offline: GitHub workflows, the CodeBuild buildspec, pre-commit hooks.

Every tool runs as a subprocess with its network options off and a proxy
that points at a closed loopback port, so a tool that tried to reach the
network would fail here rather than quietly download something. The shell
the workflows and the buildspec run is executed for real against a local
moto server.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml
from conftest import ROOT, TEMPLATES_OUT
from packaging.requirements import Requirement

from cfn_catalog import __version__, catalog

pytest_plugins = ["aws_fixtures"]  # aws_env, moto_server, endpoint

BIN = Path(sys.executable).parent
WORKFLOWS = ROOT / ".github" / "workflows"
BUILDSPEC = ROOT / "buildspec.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PRECOMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"
BUILDSPEC_SCHEMA = Path(__file__).parent / "schemas" / "buildspec.json"
# A few templates to publish in the shell tests: plain ones and a nested tree (no Maven assets: offline).
PUBLISHED = ["catalog-bucket", "ci-publisher-role", "hyperledger-fabric", "hyperledger-ec2-standalone"]
FULL_SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def roots() -> list[str]:
    """Templates no other one nests: the ones with a Launch Stack link (the whole catalog, as list says)."""
    nested = {child for name in catalog.names() for child in catalog.children(name)}
    return [name for name in catalog.names() if name not in nested]


def offline_env(**extra: str) -> dict[str, str]:
    """The test's environment, with every proxy variable pointing at a closed loopback port."""
    closed = "http://127.0.0.1:9"
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(HTTP_PROXY=closed, HTTPS_PROXY=closed, ALL_PROXY=closed, NO_PROXY="127.0.0.1,localhost")
    env.update(PIP_NO_INDEX="1", ZIZMOR_OFFLINE="true", PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    env.update(extra)
    return env


def run(command: list[str], *, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=offline_env(**env), capture_output=True, text=True, timeout=300)


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(name: str, job: str) -> dict[str, dict]:
    return {s.get("name") or s.get("uses") or s["run"]: s for s in workflow(name)["jobs"][job]["steps"]}


def all_uses() -> list[str]:
    return [
        line.split("uses:", 1)[1].strip()
        for path in WORKFLOWS.glob("*.yml")
        for line in path.read_text().splitlines()
        if "uses:" in line
    ]


# ---------------------------------------------------------------- GitHub workflows


def test_zizmor_reports_nothing_at_medium_severity_or_above():
    result = run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--no-progress",
            "--min-severity",
            "medium",
            "--format",
            "json",
            str(WORKFLOWS),
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_workflows_match_the_github_workflow_schema():
    paths = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(paths) == 2
    result = run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *paths])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_by_full_commit_sha_with_its_version():
    uses = all_uses()
    assert {u.split("@")[0] for u in uses} == {
        "actions/checkout",
        "actions/setup-python",
        "github/codeql-action/upload-sarif",
        "aws-actions/configure-aws-credentials",
    }
    assert all(FULL_SHA_PIN.match(u) for u in uses), uses
    assert len({u.split("@")[0]: u for u in uses}) == len(set(uses))  # one pin per action everywhere


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_no_default_permissions_and_each_job_asks_for_what_it_uses(name):
    doc = workflow(name)
    assert doc["permissions"] == {}
    granted = {job: spec["permissions"] for job, spec in doc["jobs"].items()}
    expected = {
        "ci.yml": {
            "test": {"contents": "read"},
            "report": {"contents": "read", "security-events": "write", "actions": "read"},
        },
        "release.yml": {"test": {"contents": "read"}, "publish": {"contents": "read", "id-token": "write"}},
    }[name]
    assert granted == expected
    for spec in doc["jobs"].values():
        for step in spec["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_pull_requests_run_make_test_upload_sarif_and_summarize_the_diff():
    doc = workflow("ci.yml")
    assert list(doc[True]) == ["pull_request"]  # YAML 1.1 reads the key `on` as True
    assert steps("ci.yml", "test")["make test"]["run"] == "make test"
    report = steps("ci.yml", "report")
    assert "--format sarif" in report["cfn-lint (SARIF)"]["run"]
    assert "--output sarif" in report["checkov (SARIF)"]["run"]
    uploads = {
        s["with"]["category"]: s["with"]["sarif_file"] for s in report.values() if "upload-sarif" in s.get("uses", "")
    }
    assert uploads == {"cfn-lint": "cfn-lint.sarif", "checkov": "checkov-sarif/results_sarif.sarif"}
    diff = report["Changes against the base branch"]
    assert diff["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert (
        'cfn-catalog diff --all --against "origin/$BASE_REF" --format markdown >> "$GITHUB_STEP_SUMMARY"' in diff["run"]
    )


def link_tree(tmp_path: Path, names: list[str]) -> Path:
    """A working tree for the workflow shell: .venv of this checkout, a templates_out/ of `names`."""
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    out = tmp_path / "templates_out"
    out.mkdir()
    for name in names:
        for suffix in ("yaml", "json"):
            shutil.copy(TEMPLATES_OUT / f"{name}.{suffix}", out)
    return tmp_path


def test_the_sarif_steps_write_sarif_offline_with_accepted_findings_suppressed(tmp_path):
    tree = link_tree(tmp_path, ["catalog-bucket", "ci-publisher-role"])
    report = steps("ci.yml", "report")
    for step in ("cfn-lint (SARIF)", "checkov (SARIF)"):
        result = run(["bash", "-euo", "pipefail", "-c", report[step]["run"]], cwd=tree, **report[step].get("env", {}))
        assert result.returncode == 0, result.stdout + result.stderr
    lint = json.loads((tree / "cfn-lint.sarif").read_text())
    assert lint["version"] == "2.1.0" and lint["runs"][0]["results"] == []
    scan = json.loads((tree / "checkov-sarif" / "results_sarif.sarif").read_text())
    results = scan["runs"][0]["results"]
    assert scan["version"] == "2.1.0" and results  # catalog-bucket's accepted findings
    assert all(r.get("suppressions") and r["suppressions"][0]["justification"] for r in results)


def test_release_runs_on_version_tags_tests_first_and_assumes_the_role_through_oidc():
    doc = workflow("release.yml")
    assert doc[True] == {"push": {"tags": ["v*"]}}
    assert doc["jobs"]["publish"]["needs"] == "test"
    credentials = steps("release.yml", "publish")["AWS credentials (OIDC)"]
    assert credentials["with"]["role-to-assume"] == "${{ vars.CFN_CATALOG_ROLE_ARN }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(credentials["with"])
    assert "secrets." not in (WORKFLOWS / "release.yml").read_text()


@pytest.fixture
def catalog_bucket(endpoint):
    """A bucket on the local moto server, and the environment that points the CLI at it."""
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="example-catalog")
    return "example-catalog"


def published_keys(bucket: str) -> set[str]:
    listing = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).list_objects_v2(Bucket=bucket)
    return {o["Key"] for o in listing.get("Contents", [])}


def test_release_publish_steps_publish_and_write_launch_stack_links(tmp_path, catalog_bucket):
    tree = link_tree(tmp_path, PUBLISHED)
    summary, github_env = tmp_path / "summary.md", tmp_path / "github.env"
    job = workflow("release.yml")["jobs"]["publish"]
    env = {
        "TAG": f"v{__version__}",
        "BUCKET": catalog_bucket,
        "REGION": "us-east-1",
        "PREFIX": "cfn-catalog/",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ENV": str(github_env),
    }
    assert set(job["env"]) == set(env) - {"GITHUB_STEP_SUMMARY", "GITHUB_ENV"}
    publish_steps = steps("release.yml", "publish")
    for name in ("The tag is the catalog's version", "Publish", "Launch Stack links"):
        result = run(["bash", "-eo", "pipefail", "-c", publish_steps[name]["run"]], cwd=tree, **env)
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
        if name.startswith("The tag"):
            assert github_env.read_text() == f"VERSION={__version__}\n"
            env["VERSION"] = __version__

    keys = published_keys(catalog_bucket)
    assert {f"cfn-catalog/{__version__}/{n}.yaml" for n in PUBLISHED} <= keys
    assert {f"cfn-catalog/latest/{n}.yaml" for n in PUBLISHED} <= keys
    text = summary.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == sorted(r for r in roots() if r in PUBLISHED)  # published roots only
    assert all("quickcreate?templateURL=https%3A%2F%2Fexample-catalog.s3.us-east-1.amazonaws.com" in r for r in rows)
    assert f"cfn-catalog%2F{__version__}%2Fhyperledger-fabric.yaml" in text
    assert f"param_TemplateKeyPrefix=cfn-catalog%2F{__version__}%2F" in text  # the tree's children are found


def test_release_refuses_a_tag_that_is_not_the_catalog_version(tmp_path):
    step = steps("release.yml", "publish")["The tag is the catalog's version"]
    result = run(
        ["bash", "-eo", "pipefail", "-c", step["run"]],
        cwd=link_tree(tmp_path, []),
        TAG="v0.0.0-other",
        GITHUB_ENV=str(tmp_path / "env"),
    )
    assert result.returncode == 1
    assert f"::error::tag v0.0.0-other does not match the catalog version {__version__}" in result.stdout


# ---------------------------------------------------------------- CodeBuild buildspec


def check_buildspec(path: Path) -> subprocess.CompletedProcess:
    return run([str(BIN / "check-jsonschema"), "--schemafile", str(BUILDSPEC_SCHEMA), str(path)])


def test_buildspec_has_the_documented_shape():
    result = check_buildspec(BUILDSPEC)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load(BUILDSPEC.read_text())
    assert list(doc["phases"]) == ["install", "pre_build", "build"]
    assert doc["phases"]["install"]["commands"] == ["make install"]
    assert doc["phases"]["pre_build"]["commands"] == ["make test"]  # tests before anything is published
    assert all(phase["on-failure"] == "ABORT" for phase in doc["phases"].values())


@pytest.mark.parametrize(
    "broken",
    [
        {"version": 0.3},
        {"phases": {"build": {"commands": "make test"}}},
        {"phases": {"compile": {"commands": ["make"]}}},
        {"env": {"variables": {"A": ["not", "a", "string"]}}},
        {"artifacts": {"files": []}},
    ],
)
def test_the_buildspec_schema_rejects_what_codebuild_would(tmp_path, broken):
    doc = {**yaml.safe_load(BUILDSPEC.read_text()), **broken}
    path = tmp_path / "buildspec.yml"
    path.write_text(yaml.safe_dump(doc))
    assert check_buildspec(path).returncode == 1


def codebuild(tree: Path, **env: str) -> subprocess.CompletedProcess:
    (command,) = yaml.safe_load(BUILDSPEC.read_text())["phases"]["build"]["commands"]
    variables = yaml.safe_load(BUILDSPEC.read_text())["env"]["variables"]
    return run(["bash", "-c", command], cwd=tree, **variables, **env)


def test_a_branch_build_is_tested_and_not_published(tmp_path):
    tree = link_tree(tmp_path, PUBLISHED)
    result = codebuild(tree, CODEBUILD_WEBHOOK_TRIGGER="branch/main", CODEBUILD_SOURCE_VERSION="abc123")
    assert result.returncode == 0, result.stderr
    assert (tree / "launch-links.md").read_text() == f"Not a release build of v{__version__}: tested, not published.\n"


def test_a_tag_build_publishes_and_writes_launch_stack_links(tmp_path, catalog_bucket):
    tree = link_tree(tmp_path, PUBLISHED)
    result = codebuild(
        tree,
        CODEBUILD_WEBHOOK_TRIGGER=f"tag/v{__version__}",
        CFN_CATALOG_BUCKET=catalog_bucket,
        CFN_CATALOG_REGION="us-east-1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"cfn-catalog/{__version__}/catalog-bucket.yaml" in published_keys(catalog_bucket)
    rows = [line for line in (tree / "launch-links.md").read_text().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == sorted(r for r in roots() if r in PUBLISHED)


def test_a_tag_build_without_the_bucket_variable_fails_before_publishing(tmp_path):
    result = codebuild(link_tree(tmp_path, PUBLISHED), CODEBUILD_SOURCE_VERSION=f"refs/tags/v{__version__}")
    assert result.returncode != 0
    assert "set CFN_CATALOG_BUCKET on the project" in result.stderr


# ---------------------------------------------------------------- pre-commit


def test_hook_manifest_and_config_are_valid():
    for command, path in (("validate-manifest", HOOKS), ("validate-config", PRECOMMIT_CONFIG)):
        result = run([str(BIN / "pre-commit"), command, str(path)])
        assert result.returncode == 0, result.stdout + result.stderr


def test_hooks_run_the_three_checks_once_per_commit_with_the_package_itself():
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    assert {h: spec["entry"] for h, spec in hooks.items()} == {
        "cfn-catalog-render-check": "cfn-catalog render --all --check",
        "cfn-catalog-params-check": "cfn-catalog params --check",
        "cfn-catalog-lint": "cfn-catalog lint --all",
    }
    assert all(h["language"] == "python" and h["pass_filenames"] is False for h in hooks.values())
    local = {h["id"]: h for repo in yaml.safe_load(PRECOMMIT_CONFIG.read_text())["repos"] for h in repo["hooks"]}
    assert {"ruff", "ruff-format"} <= set(local)
    for hook_id, hook in hooks.items():  # this repository runs the same checks from its .venv
        assert local[hook_id]["entry"] == f".venv/bin/{hook['entry']}"


def test_ruff_hook_is_the_ruff_version_make_install_pins():
    (ruff,) = [r for r in yaml.safe_load(PRECOMMIT_CONFIG.read_text())["repos"] if "ruff-pre-commit" in r["repo"]]
    assert f"ruff=={ruff['rev'].removeprefix('v')}" in (ROOT / "constraints.txt").read_text().splitlines()


def git(tree: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=tree,
        check=True,
        capture_output=True,
        env=offline_env(
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@example.com",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@example.com",
        ),
    )


def test_the_hooks_pass_on_the_catalog_and_catch_a_stale_template(tmp_path):
    """The manifest's hooks run by pre-commit in a fresh git repository holding the catalog's files.

    pre-commit would build a virtualenv and pip-install this package for `language: python`, which
    needs an index; offline the same entries run as `system` hooks with this checkout's CLI on PATH.
    """
    tree = tmp_path / "catalog"
    shutil.copytree(TEMPLATES_OUT, tree / "templates_out")
    shutil.copytree(ROOT / "params", tree / "params")
    hooks = yaml.safe_load(HOOKS.read_text())
    config = {"repos": [{"repo": "local", "hooks": [{**h, "language": "system"} for h in hooks]}]}
    (tree / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(tree, "init", "-q")
    git(tree, "add", ".")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "cache"), "SKIP": ""}

    result = run([str(BIN / "pre-commit"), "run", "--all-files", "--color", "never"], cwd=tree, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.rsplit(".", 1)[-1] for line in result.stdout.splitlines() if line.startswith("cfn-catalog")] == [
        "Passed"
    ] * 3

    stale = tree / "templates_out" / "route53-failover.yaml"
    stale.write_text(stale.read_text().replace("RequestInterval: 30", "RequestInterval: 10"))
    git(tree, "add", ".")
    result = run([str(BIN / "pre-commit"), "run", "--all-files", "--color", "never"], cwd=tree, **env)
    assert result.returncode == 1
    verdicts = {
        line.split(".")[0]: line.rsplit(".", 1)[-1]
        for line in result.stdout.splitlines()
        if line.startswith("cfn-catalog")
    }
    assert verdicts["cfn-catalog render --all --check"] == "Failed"


# ---------------------------------------------------------------- dependencies and docs


@pytest.mark.parametrize("package", ["zizmor", "check-jsonschema", "pre-commit", "sarif-om", "jschema-to-python"])
def test_delivery_tools_are_ranged_in_setup_cfg_and_pinned_in_constraints(package):
    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    pins = {
        norm(line.split("==")[0]): line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    assert norm(package) in pins
    test_extra = (ROOT / "setup.cfg").read_text().split("test =", 1)[1].split("dev =", 1)[0]
    requirements = [Requirement(line.strip()) for line in test_extra.strip().splitlines()]
    if package in ("sarif-om", "jschema-to-python"):  # cfn-lint's sarif extra brings them
        (requirement,) = [r for r in requirements if r.name == "cfn-lint"]
        assert requirement.extras == {"sarif"}
        return
    (requirement,) = [r for r in requirements if norm(r.name) == norm(package)]
    assert requirement.specifier.contains(pins[norm(package)])


def test_readme_links_the_hosting_guide_from_publish_and_deploy():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Publish and deploy", 1)[1].split("\n## ", 1)[0]
    assert "(docs/hosting.md)" in section
    assert (ROOT / "docs" / "hosting.md").exists()
