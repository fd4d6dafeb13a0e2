"""`cfn-catalog publish` against moto: layout, idempotence, dry run, conflicts, one-line errors."""

import hashlib
import io
import json
import shutil
import zipfile
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from conftest import TEMPLATES_OUT
from moto.core import set_initial_no_auth_action_count

from cfn_catalog import __version__
from cfn_catalog.aws import AccessDenied, CredentialsError, NetworkError, NoSuchBucket
from cfn_catalog.aws import publish as pub
from cfn_catalog.errors import UsageError

pytest_plugins = ["aws_fixtures"]  # aws_env, mocked, moto_server, endpoint, cli

BUCKET = "templates-bkt"
PAIR = ["route53-failover", "sam-artifacts-bucket"]
V = __version__


def make_bucket(versioning: bool = True, region: str = "us-east-1", name: str = BUCKET) -> None:
    s3 = boto3.client("s3", region_name=region)
    config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **config)
    if versioning:  # every PutObject adds a version: counting versions counts uploads
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def objects() -> dict[str, bytes]:
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in keys}


def version_count() -> int:
    return len(boto3.client("s3").list_object_versions(Bucket=BUCKET).get("Versions", []))


def copy_templates(directory, names=PAIR):
    directory.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(TEMPLATES_OUT / f"{name}.yaml", directory / f"{name}.yaml")
    return directory


# A three-level tree with assets, as rendered files (publish reads files only).
NESTED_URL = "!Sub https://${{TemplateBucketName}}.s3.${{TemplateBucketRegion}}.${{AWS::URLSuffix}}/${{TemplateKeyPrefix}}{}.yaml"


def tree_file(children=(), assets=()):
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Description: demo"]
    if assets:
        lines += ["Metadata:", "  cfn-catalog:", "    Assets:"] + [f"      - {a}" for a in assets]
    lines += ["Resources:"]
    for child in children:
        lines += [
            f"  {child.title().replace('-', '')}:",
            "    Type: AWS::CloudFormation::Stack",
            "    Properties:",
            f"      TemplateURL: {NESTED_URL.format(child)}",
        ]
    if not children:
        lines += ["  Topic:", "    Type: AWS::SNS::Topic"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def tree(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "demo-root.yaml").write_text(tree_file(["demo-mid"], assets=["handler.py", "pkg"]))
    (out / "demo-mid.yaml").write_text(tree_file(["demo-leaf"], assets=["handler.py"]))
    (out / "demo-leaf.yaml").write_text(tree_file())
    functions = tmp_path / "functions"
    (functions / "pkg" / "__pycache__").mkdir(parents=True)
    (functions / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    (functions / "pkg" / "b.py").write_text("B = 2\n")
    (functions / "pkg" / "a.py").write_text("A = 1\n")
    (functions / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"junk")
    return out, functions


# ---------------------------------------------------------------- publishing


def test_publish_puts_each_template_under_the_version_and_latest_with_its_sha256(mocked):
    make_bucket()
    result = pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT)

    stored = objects()
    expected = {f"cfn-catalog/{alias}/{name}.yaml" for alias in (V, "latest") for name in PAIR}
    assert set(stored) == expected
    for key, body in stored.items():
        assert body == (TEMPLATES_OUT / key.rsplit("/", 1)[1]).read_bytes()
        head = boto3.client("s3").head_object(Bucket=BUCKET, Key=key)
        assert head["Metadata"] == {"sha256": hashlib.sha256(body).hexdigest()}
        assert head["ContentType"] == "application/yaml"
    assert [u.status for u in result.uploads] == ["new"] * 4
    assert [u.key for u in result.uploads] == [  # versioned keys before latest/
        f"cfn-catalog/{V}/route53-failover.yaml",
        f"cfn-catalog/{V}/sam-artifacts-bucket.yaml",
        "cfn-catalog/latest/route53-failover.yaml",
        "cfn-catalog/latest/sam-artifacts-bucket.yaml",
    ]


def test_publish_returns_each_roots_urls_and_launch_link(mocked):
    make_bucket()
    result = pub.publish(["route53-failover"], bucket=BUCKET, directory=TEMPLATES_OUT)

    (root,) = result.roots
    url = f"https://{BUCKET}.s3.us-east-1.amazonaws.com/cfn-catalog/{V}/route53-failover.yaml"
    assert root.template_url == url
    assert root.latest_url == f"https://{BUCKET}.s3.us-east-1.amazonaws.com/cfn-catalog/latest/route53-failover.yaml"
    query = parse_qs(urlsplit(root.launch_url).fragment.split("?", 1)[1])
    assert query == {"templateURL": [url], "stackName": ["route53-failover"]}  # not a tree: no location parameters
    assert root.launch_url.startswith("https://console.aws.amazon.com/cloudformation/home?region=us-east-1#")


def test_urls_use_the_buckets_own_region(mocked):
    make_bucket(region="eu-west-1")
    result = pub.publish(["sam-artifacts-bucket"], bucket=BUCKET, directory=TEMPLATES_OUT, region="us-west-2")

    assert result.region == "eu-west-1"
    assert result.roots[0].template_url.startswith(f"https://{BUCKET}.s3.eu-west-1.amazonaws.com/")
    assert "region=eu-west-1" in result.roots[0].launch_url


def test_a_rerun_uploads_nothing(mocked):
    make_bucket()
    pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT)
    before = version_count()
    uploaded = []

    result = pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT, on_upload=uploaded.append)

    assert uploaded == []
    assert result.pending == []
    assert {u.status for u in result.uploads} == {"unchanged"}
    assert version_count() == before == 4


def test_dry_run_reads_the_bucket_and_writes_nothing(mocked, tmp_path):
    make_bucket()
    out = copy_templates(tmp_path / "out")
    pub.publish(PAIR, bucket=BUCKET, directory=out)
    (out / "sam-artifacts-bucket.yaml").write_text((out / "sam-artifacts-bucket.yaml").read_text() + "# edit\n")
    before = objects()

    result = pub.publish(PAIR, bucket=BUCKET, directory=out, dry_run=True)

    assert objects() == before
    assert version_count() == 4
    assert {u.key: u.status for u in result.uploads} == {
        f"cfn-catalog/{V}/route53-failover.yaml": "unchanged",
        f"cfn-catalog/{V}/sam-artifacts-bucket.yaml": "conflict",
        "cfn-catalog/latest/route53-failover.yaml": "unchanged",
        "cfn-catalog/latest/sam-artifacts-bucket.yaml": "changed",
    }
    assert result.dry_run


def test_dry_run_of_an_empty_bucket_plans_every_object_as_new(mocked):
    make_bucket()
    result = pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT, dry_run=True)
    assert [(u.status, u.size) for u in result.uploads][:2] == [
        ("new", len((TEMPLATES_OUT / "route53-failover.yaml").read_bytes())),
        ("new", len((TEMPLATES_OUT / "sam-artifacts-bucket.yaml").read_bytes())),
    ]
    assert objects() == {}


def test_a_changed_file_under_a_new_version_moves_latest_and_keeps_the_old_version(mocked, tmp_path):
    make_bucket()
    out = copy_templates(tmp_path / "out")
    pub.publish(PAIR, bucket=BUCKET, directory=out, version="1.0.0")
    changed = (out / "sam-artifacts-bucket.yaml").read_bytes() + b"# edit\n"
    (out / "sam-artifacts-bucket.yaml").write_bytes(changed)

    result = pub.publish(PAIR, bucket=BUCKET, directory=out, version="1.1.0")

    statuses = {u.key: u.status for u in result.uploads}
    assert statuses["cfn-catalog/latest/route53-failover.yaml"] == "unchanged"
    assert statuses["cfn-catalog/latest/sam-artifacts-bucket.yaml"] == "changed"
    stored = objects()
    assert stored["cfn-catalog/latest/sam-artifacts-bucket.yaml"] == changed
    assert stored["cfn-catalog/1.1.0/sam-artifacts-bucket.yaml"] == changed
    assert stored["cfn-catalog/1.0.0/sam-artifacts-bucket.yaml"] != changed
    assert version_count() == 4 + 2 + 1  # 1.1.0 twice, latest/sam once


def test_a_versioned_key_is_never_overwritten_with_other_bytes(mocked, tmp_path):
    make_bucket()
    out = copy_templates(tmp_path / "out")
    pub.publish(PAIR, bucket=BUCKET, directory=out, version="1.0.0")
    (out / "sam-artifacts-bucket.yaml").write_text((out / "sam-artifacts-bucket.yaml").read_text() + "# edit\n")
    before = objects()

    with pytest.raises(pub.VersionConflict) as error:
        pub.publish(PAIR, bucket=BUCKET, directory=out, version="1.0.0")

    assert str(error.value) == (
        f"s3://{BUCKET}/cfn-catalog/1.0.0/sam-artifacts-bucket.yaml already holds different content: "
        "bump the version (--version, now 1.0.0); published versions are never overwritten"
    )
    assert objects() == before  # refused before any upload, latest/ included


def test_an_object_from_another_tool_with_the_same_bytes_counts_as_unchanged(mocked):
    make_bucket()
    body = (TEMPLATES_OUT / "route53-failover.yaml").read_bytes()
    boto3.client("s3").put_object(Bucket=BUCKET, Key=f"cfn-catalog/{V}/route53-failover.yaml", Body=body)

    result = pub.publish(["route53-failover"], bucket=BUCKET, directory=TEMPLATES_OUT, dry_run=True)

    assert result.uploads[0].status == "unchanged"  # no sha256 metadata: the MD5 ETag matched


def test_a_tree_goes_up_children_first_with_its_assets_and_a_prefilled_launch_link(mocked, tree):
    make_bucket()
    out, functions = tree

    result = pub.publish(["demo-root"], bucket=BUCKET, directory=out, prefix="/team/templates", functions_dir=functions)

    base = f"team/templates/{V}/"
    assert [u.key for u in result.uploads] == [
        f"{base}assets/handler.py",
        f"{base}assets/pkg.zip",
        f"{base}demo-leaf.yaml",
        f"{base}demo-mid.yaml",
        f"{base}demo-root.yaml",
        "team/templates/latest/assets/handler.py",
        "team/templates/latest/assets/pkg.zip",
        "team/templates/latest/demo-leaf.yaml",
        "team/templates/latest/demo-mid.yaml",
        "team/templates/latest/demo-root.yaml",
    ]
    stored = objects()
    assert stored[f"{base}assets/handler.py"] == (functions / "handler.py").read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(stored[f"{base}assets/pkg.zip"]))
    assert archive.namelist() == ["a.py", "b.py"]  # sorted, no __pycache__
    assert archive.read("b.py") == b"B = 2\n"
    assert [r.name for r in result.roots] == ["demo-root"]
    query = parse_qs(urlsplit(result.roots[0].launch_url).fragment.split("?", 1)[1])
    assert query["param_TemplateBucketName"] == [BUCKET]
    assert query["param_TemplateKeyPrefix"] == [base]
    assert query["param_TemplateBucketRegion"] == ["us-east-1"]


def test_a_directory_asset_zips_to_the_same_bytes_every_time(tree):
    _, functions = tree
    first = pub.zip_directory(functions / "pkg")
    (functions / "pkg" / "a.py").touch()  # a new mtime changes nothing
    assert pub.zip_directory(functions / "pkg") == first


@pytest.mark.parametrize(
    ("asset", "problem"),
    [("missing.py", "asset 'missing.py' not found"), ("../secrets.txt", "must be a relative path")],
)
def test_a_bad_asset_is_refused_before_any_aws_call(tree, asset, problem):
    out, functions = tree
    (out / "demo-leaf.yaml").write_text(tree_file(assets=[asset]))
    with pytest.raises(pub.CatalogError, match=problem):
        pub.plan(["demo-leaf"], directory=out, functions_dir=functions)


@pytest.mark.parametrize(
    ("prefix", "normalized"), [("cfn-catalog", "cfn-catalog/"), ("/a/b/", "a/b/"), ("", ""), ("x/", "x/")]
)
def test_prefix_is_normalized_to_end_with_a_slash(prefix, normalized):
    assert pub.normalize_prefix(prefix) == normalized


@pytest.mark.parametrize(("check", "value"), [("prefix", "a b/"), ("bucket", "Bad_Bucket"), ("version", "latest")])
def test_bad_locations_are_usage_errors(check, value):
    with pytest.raises(UsageError):
        {"prefix": pub.normalize_prefix, "bucket": pub.check_bucket, "version": pub.check_version}[check](value)


# ---------------------------------------------------------------- errors


def test_a_missing_bucket_is_one_clear_error(mocked):
    with pytest.raises(NoSuchBucket) as error:
        pub.publish(PAIR, bucket="no-such-bkt", directory=TEMPLATES_OUT)
    assert str(error.value) == (
        "bucket 'no-such-bkt' does not exist: create it (e.g. deploy sam-artifacts-bucket) or fix --bucket"
    )


def test_access_denied_names_the_permission(mocked, monkeypatch):
    # moto does not evaluate bucket policies; it does enforce IAM identity policies once auth is on.
    from aws_fixtures import deny_put_policy

    make_bucket()
    iam = boto3.client("iam")
    iam.create_user(UserName="publisher")
    iam.put_user_policy(UserName="publisher", PolicyName="no-put", PolicyDocument=deny_put_policy())
    key = iam.create_access_key(UserName="publisher")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])

    @set_initial_no_auth_action_count(0)
    def publish_as_publisher():
        with pytest.raises(AccessDenied) as error:
            pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT)
        return str(error.value)

    message = publish_as_publisher()
    assert message.startswith(f"access denied trying to upload s3://{BUCKET}/cfn-catalog/{V}/route53-failover.yaml: ")
    assert "s3:PutObject" in message
    assert "0 of 4 uploads done" in message
    assert version_count() == 0


def test_no_credentials_is_one_clear_error(aws_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CredentialsError) as error:
        pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT)
    assert str(error.value).startswith(f"no AWS credentials found (needed to read the location of bucket '{BUCKET}')")
    assert "AWS_PROFILE" in str(error.value)


def test_a_network_failure_midway_is_finished_by_a_rerun(endpoint, monkeypatch):
    from aws_fixtures import CuttableProxy

    make_bucket()
    proxy = CuttableProxy(endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)

    def pull_the_cable_after_two(upload, done=[]):  # noqa: B006 - a counter
        done.append(upload.key)
        if len(done) == 2:
            proxy.cut()

    with pytest.raises(NetworkError) as error:
        pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT, on_upload=pull_the_cable_after_two)
    assert "2 of 4 uploads done" in str(error.value)
    assert "rerun to finish" in str(error.value)

    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    assert sorted(objects()) == [f"cfn-catalog/{V}/route53-failover.yaml", f"cfn-catalog/{V}/sam-artifacts-bucket.yaml"]
    result = pub.publish(PAIR, bucket=BUCKET, directory=TEMPLATES_OUT)
    assert [u.key for u in result.pending] == [
        "cfn-catalog/latest/route53-failover.yaml",
        "cfn-catalog/latest/sam-artifacts-bucket.yaml",
    ]
    assert len(objects()) == 4


# ---------------------------------------------------------------- the command, end to end on a moto server


def test_cli_publish_then_rerun(cli, runner, endpoint):
    make_bucket()
    args = ["publish", *PAIR, "--bucket", BUCKET, "--dir", str(TEMPLATES_OUT)]

    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    # progress on stderr, results (the roots' URLs) on stdout
    assert first.stderr.splitlines() == [
        f"uploaded s3://{BUCKET}/cfn-catalog/{V}/route53-failover.yaml",
        f"uploaded s3://{BUCKET}/cfn-catalog/{V}/sam-artifacts-bucket.yaml",
        f"uploaded s3://{BUCKET}/cfn-catalog/latest/route53-failover.yaml",
        f"uploaded s3://{BUCKET}/cfn-catalog/latest/sam-artifacts-bucket.yaml",
        f"4 uploaded, 0 unchanged in s3://{BUCKET}/cfn-catalog/ (version {V})",
    ]
    assert "uploaded" not in first.stdout
    assert f"  template: https://{BUCKET}.s3.us-east-1.amazonaws.com/cfn-catalog/{V}/route53-failover.yaml" in (
        first.stdout.splitlines()
    )
    assert first.stdout.count("  launch:   https://console.aws.amazon.com/cloudformation/home?region=us-east-1#") == 2

    again = runner.invoke(cli, args)
    assert again.exit_code == 0
    assert again.stderr == f"nothing to upload: 4 objects already current in s3://{BUCKET}/cfn-catalog/\n"
    assert "uploaded" not in again.stdout
    assert version_count() == 4


def test_cli_quiet_prints_only_the_template_urls(cli, runner, endpoint):
    make_bucket()
    result = runner.invoke(cli, ["publish", *PAIR, "--bucket", BUCKET, "--dir", str(TEMPLATES_OUT), "-q"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"https://{BUCKET}.s3.us-east-1.amazonaws.com/cfn-catalog/{V}/route53-failover.yaml",
        f"https://{BUCKET}.s3.us-east-1.amazonaws.com/cfn-catalog/{V}/sam-artifacts-bucket.yaml",
    ]


def test_cli_verbose_times_each_upload(cli, runner, endpoint):
    make_bucket()
    result = runner.invoke(cli, ["publish", "route53-failover", "--bucket", BUCKET, "--dir", str(TEMPLATES_OUT), "-v"])
    assert result.exit_code == 0
    timed = [line for line in result.stderr.splitlines() if line.startswith("uploaded ")]
    assert len(timed) == 2
    assert timed[0].startswith(f"uploaded s3://{BUCKET}/cfn-catalog/{V}/route53-failover.yaml (4,794 bytes, ")
    assert timed[0].endswith("s)")


def test_cli_dry_run_prints_the_plan(cli, runner, endpoint):
    make_bucket()
    result = runner.invoke(
        cli, ["publish", "sam-artifacts-bucket", "--bucket", BUCKET, "--dir", str(TEMPLATES_OUT), "--dry-run"]
    )
    size = len((TEMPLATES_OUT / "sam-artifacts-bucket.yaml").read_bytes())
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"new       {size:>9,}  s3://{BUCKET}/cfn-catalog/{V}/sam-artifacts-bucket.yaml",
        f"new       {size:>9,}  s3://{BUCKET}/cfn-catalog/latest/sam-artifacts-bucket.yaml",
    ]
    assert (
        result.stderr
        == f"dry run: 2 new, 0 changed, 0 unchanged in s3://{BUCKET}/cfn-catalog/ (version {V}); nothing written\n"
    )
    assert objects() == {}


def test_cli_refuses_to_overwrite_a_published_version(cli, runner, endpoint, tmp_path):
    make_bucket()
    out = copy_templates(tmp_path / "out")
    args = ["publish", *PAIR, "--bucket", BUCKET, "--dir", str(out), "--version", "2.0.0"]
    assert runner.invoke(cli, args).exit_code == 0
    (out / "route53-failover.yaml").write_text((out / "route53-failover.yaml").read_text() + "# edit\n")

    size = (out / "route53-failover.yaml").stat().st_size

    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 1
    assert f"conflict  {size:>9,}  s3://{BUCKET}/cfn-catalog/2.0.0/route53-failover.yaml" in dry.stdout
    assert f"changed   {size:>9,}  s3://{BUCKET}/cfn-catalog/latest/route53-failover.yaml" in dry.stdout
    assert dry.stderr.startswith("dry run: 0 new, 1 changed, 2 unchanged, 1 conflicting in ")
    assert dry.stderr.splitlines()[-1].startswith(f"Error: s3://{BUCKET}/cfn-catalog/2.0.0/route53-failover.yaml")

    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: s3://{BUCKET}/cfn-catalog/2.0.0/route53-failover.yaml already holds different content: "
        "bump the version (--version, now 2.0.0); published versions are never overwritten\n"
    )


@pytest.mark.parametrize(
    ("args", "env", "error"),
    [
        (["--bucket", "no-such-bkt"], {}, "Error: bucket 'no-such-bkt' does not exist: create it"),
        (["--bucket", BUCKET], {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}, "Error: no AWS credentials"),
        ([], {}, "Error: Missing option '--bucket'"),
        (["--bucket", "UPPER"], {}, "Error: invalid bucket name 'UPPER'"),
    ],
)
def test_cli_errors_are_one_line(cli, runner, endpoint, monkeypatch, args, env, error):
    make_bucket()
    for name, value in env.items():
        monkeypatch.delenv(name) if value is None else monkeypatch.setenv(name, value)
    result = runner.invoke(cli, ["publish", "route53-failover", "--dir", str(TEMPLATES_OUT), *args])
    assert result.exit_code in (1, 2)
    assert result.stdout == ""
    assert error in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("Error")]) == 1


def test_cli_needs_names_or_all(cli, runner):
    result = runner.invoke(cli, ["publish", "--bucket", BUCKET])
    assert result.exit_code == 2
    assert result.stderr == "Error: name at least one template, or use --all (see 'cfn-catalog list')\n"


def test_a_bucket_per_region_is_published_to_in_each_region(cli, runner, endpoint):
    for region in ("us-east-1", "eu-west-1"):
        make_bucket(region=region, name=f"tpl-{region}")
    args = ["publish", "route53-failover", "--bucket", "tpl-{region}", "--dir", str(TEMPLATES_OUT), "--format", "json"]
    result = runner.invoke(cli, [*args, "--region", "us-east-1", "--region", "eu-west-1"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [(r["bucket"], r["region"]) for r in reports] == [
        ("tpl-us-east-1", "us-east-1"),
        ("tpl-eu-west-1", "eu-west-1"),
    ]
    assert reports[1]["roots"][0]["template_url"].startswith("https://tpl-eu-west-1.s3.eu-west-1.amazonaws.com/")
    for region in ("us-east-1", "eu-west-1"):
        keys = boto3.client("s3", region_name=region).list_objects_v2(Bucket=f"tpl-{region}")["KeyCount"]
        assert keys == 2
    missing = runner.invoke(cli, args)
    assert missing.exit_code == 2 and "name them with --region" in missing.stderr
