"""`cfn-catalog deploy`, `status` and `delete` against moto.

moto runs change sets, stacks, stack-level events and nested stacks for real
and creates the S3 buckets, Route 53 health checks and records and SNS topics
these templates declare. It does not: create AWS::S3::BucketPolicy (it warns
and skips it), emit per-resource events, report Outputs of stacks made by
change sets, or fail a stack with *_FAILED events (a resource error makes
ExecuteChangeSet itself fail, and the stack stays in REVIEW_IN_PROGRESS).
These tests assert only what moto implements.
"""

import json
import shutil
from datetime import UTC, datetime
from typing import ClassVar

import boto3
import pytest
import yaml
from conftest import ROOT, TEMPLATES_OUT
from moto.route53.models import HostedZoneIdentifier
from moto.utilities.id_generator import moto_id_manager
from troposphere import GetAtt, Output, Parameter, Ref, Template
from troposphere.sns import Topic

from cfn_catalog.aws import deploy as dep
from cfn_catalog.blocks import nested
from cfn_catalog.errors import CatalogError, UsageError
from cfn_catalog.params import ProfileError

pytest_plugins = ["aws_fixtures"]  # aws_env, mocked, moto_server, endpoint, cli, register

PARAMS = ROOT / "params"
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")
EAST, WEST = "us-east-1", "us-west-2"
SAM = "sam-artifacts-bucket"
DNS = "route53-failover"


def example(name: str) -> dict:
    return yaml.safe_load((PARAMS / name / "example.yaml").read_text())


@pytest.fixture
def params_dir(tmp_path):
    """A params directory holding copies of the example profiles, to edit per test."""
    root = tmp_path / "params"
    shutil.copytree(PARAMS, root)
    return root


def write_profile(root, name: str, env: str, profile: dict) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / f"{env}.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))


def run(name, env="example", regions=(EAST,), **kwargs):
    kwargs.setdefault("yes", True)
    kwargs.setdefault("directory", TEMPLATES_OUT)
    kwargs.setdefault("params_dir", PARAMS)
    kwargs.setdefault("poll", 0)
    log = kwargs.setdefault("reporter", dep.Log())
    return dep.deploy(name, env, regions, **kwargs), log


def stack(name: str, region: str = EAST) -> dict:
    return boto3.client("cloudformation", region_name=region).describe_stacks(StackName=name)["Stacks"][0]


def parameters(description: dict) -> dict:
    return {p["ParameterKey"]: p["ParameterValue"] for p in description["Parameters"]}


def physical_id(stack_name: str, logical_id: str, region: str = EAST) -> str:
    cf = boto3.client("cloudformation", region_name=region)
    resources = cf.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == logical_id)


def bucket_names() -> set[str]:
    return {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}


# ---------------------------------------------------------------- fake templates registered for a test


def secret_template() -> Template:
    t = Template(Description="a topic named by a NoEcho parameter")
    t.add_parameter(Parameter("TopicSecret", Type="String", NoEcho=True, AllowedPattern="^[a-z0-9-]{8,}$"))
    t.add_resource(Topic("Topic", TopicName=Ref("TopicSecret")))
    return t


def child_template() -> Template:
    t = Template(Description="child")
    t.add_parameter(Parameter("TopicName", Type="String"))
    t.add_resource(Topic("Topic", TopicName=Ref("TopicName")))
    t.add_output(Output("TopicArn", Value=Ref("Topic")))
    return t


def parent_template() -> Template:
    t = Template(Description="parent")
    nested.location_parameters(t)
    nested.child_stack(t, "Child", "demo-child", parameters={"TopicName": "from-the-parent"})
    t.add_output(Output("TopicArn", Value=GetAtt("Child", "Outputs.TopicArn")))
    return t


# ---------------------------------------------------------------- create, update, no change


def test_deploy_creates_the_stack_with_a_change_set(mocked):
    (result,), log = run(SAM)

    assert (result.outcome, result.status, result.ok) == ("created", "CREATE_COMPLETE", True)
    assert result.message == "created sam-artifacts (CREATE_COMPLETE)"
    description = stack("sam-artifacts")
    assert description["StackStatus"] == "CREATE_COMPLETE"
    assert description["Tags"] == [{"Key": "Project", "Value": "hello-world"}]
    assert parameters(description)["NoncurrentVersionExpirationDays"] == "30"
    assert physical_id("sam-artifacts", "ArtifactBucket") in bucket_names()  # moto made the bucket
    assert [(c.action, c.logical_id, c.resource_type) for c in result.changes] == [
        ("Add", "ArtifactBucket", "AWS::S3::Bucket"),
        ("Add", "ArtifactBucketPolicy", "AWS::S3::BucketPolicy"),
    ]
    assert log.text(EAST, "info") == "creating stack sam-artifacts: 2 changes"
    events = log.text(EAST, "event").splitlines()
    assert [e.split()[1] for e in events] == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]  # only new events


def test_deploy_updates_an_existing_stack(mocked, params_dir):
    run(SAM, params_dir=params_dir)
    profile = example(SAM)
    profile["Parameters"]["NoncurrentVersionExpirationDays"] = 90
    write_profile(params_dir, SAM, "example", profile)

    (result,), log = run(SAM, params_dir=params_dir)

    assert (result.outcome, result.status) == ("updated", "UPDATE_COMPLETE")
    assert stack("sam-artifacts")["StackStatus"] == "UPDATE_COMPLETE"
    assert parameters(stack("sam-artifacts"))["NoncurrentVersionExpirationDays"] == "90"
    assert log.text(EAST, "info").startswith("updating stack sam-artifacts:")
    assert [e.split()[1] for e in log.text(EAST, "event").splitlines()] == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]


def test_a_rerun_with_the_same_template_parameters_and_tags_skips_the_change_set(mocked):
    run(SAM)
    cf = boto3.client("cloudformation")
    change_sets = len(cf.list_change_sets(StackName="sam-artifacts")["Summaries"])

    (result,), _ = run(SAM)

    assert (result.outcome, result.status) == ("unchanged", "CREATE_COMPLETE")
    assert result.message == "sam-artifacts is up to date: same template, parameters and tags"
    assert len(cf.list_change_sets(StackName="sam-artifacts")["Summaries"]) == change_sets


def test_a_changed_tag_is_not_mistaken_for_up_to_date(mocked, params_dir):
    run(SAM, params_dir=params_dir)
    profile = example(SAM)
    profile["Tags"]["Team"] = "platform"
    write_profile(params_dir, SAM, "example", profile)

    (result,), _ = run(SAM, params_dir=params_dir)

    # The change set decides (moto then calls a tag-only change empty; CloudFormation updates the tags).
    assert result.message == "sam-artifacts is up to date: no changes (empty change set deleted)"


def test_a_change_set_without_changes_is_reported_and_deleted(mocked, monkeypatch):
    run(SAM)
    monkeypatch.setattr(dep, "_same_as_deployed", lambda *args: False)  # as for a NoEcho or nested template
    cf = boto3.client("cloudformation")
    events_before = len(cf.describe_stack_events(StackName="sam-artifacts")["StackEvents"])

    (result,), log = run(SAM)

    assert (result.outcome, result.ok, result.status) == ("unchanged", True, "CREATE_COMPLETE")
    assert result.message == "sam-artifacts is up to date: no changes (empty change set deleted)"
    left = cf.list_change_sets(StackName="sam-artifacts")["Summaries"]
    assert [c["ExecutionStatus"] for c in left] == ["EXECUTE_COMPLETE"]  # only the one that created the stack
    assert len(cf.describe_stack_events(StackName="sam-artifacts")["StackEvents"]) == events_before
    assert log.text(EAST, "event") == ""


@pytest.mark.parametrize("parallel", [False, True])
def test_two_regions_get_one_stack_each(mocked, parallel):
    results, log = run(SAM, regions=(EAST, WEST), parallel=parallel)

    assert [(r.region, r.outcome) for r in results] == [(EAST, "created"), (WEST, "created")]
    for region in (EAST, WEST):
        assert stack("sam-artifacts", region)["StackStatus"] == "CREATE_COMPLETE"
        assert physical_id("sam-artifacts", "ArtifactBucket", region) in bucket_names()
        assert "CREATE_COMPLETE" in log.text(region, "event")


def test_regions_default_to_the_profiles(mocked):
    results, _ = run(SAM, regions=())
    assert [r.region for r in results] == example(SAM)["Regions"] == [EAST, WEST]


@pytest.fixture
def example_zone():
    """The hosted zone the route53-failover example profile names, created in moto under that id."""
    zone_id = example(DNS)["Parameters"]["HostedZoneId"]
    identifiers = [HostedZoneIdentifier("123456789012", name, None) for name in ("example.com", "example.com.")]
    for identifier in identifiers:  # moto's documented way to choose a generated id
        moto_id_manager.set_custom_id(identifier, zone_id)
    try:
        yield boto3.client("route53").create_hosted_zone(Name="example.com", CallerReference="t")["HostedZone"]["Id"]
    finally:
        for identifier in identifiers:
            moto_id_manager.unset_custom_id(identifier)


def test_route53_failover_creates_its_health_checks_and_records(mocked, example_zone):
    (result,), _ = run(DNS)

    assert result.outcome == "created"
    records = boto3.client("route53").list_resource_record_sets(HostedZoneId=example_zone)["ResourceRecordSets"]
    cnames = {r["SetIdentifier"]: r for r in records if r["Type"] == "CNAME"}
    assert sorted(cnames) == ["endpoint-region1", "endpoint-region2"]
    assert cnames["endpoint-region1"]["ResourceRecords"] == [
        {"Value": "d-abcdef1234.execute-api.us-east-1.amazonaws.com"}
    ]
    assert cnames["endpoint-region2"]["Region"] == "us-west-2"
    assert len(boto3.client("route53").list_health_checks()["HealthChecks"]) == 2

    (again,), _ = run(DNS)  # moto refuses the empty update at CreateChangeSet: still "unchanged"
    assert again.outcome == "unchanged"


# ---------------------------------------------------------------- failures


def test_a_failing_region_does_not_hide_the_others(mocked, params_dir):
    profile = example(SAM)
    profile["Parameters"]["BucketName"] = "one-global-name"  # S3 names are global: the second region fails
    write_profile(params_dir, SAM, "example", profile)

    results, _ = run(SAM, regions=(EAST, WEST), params_dir=params_dir)

    east, west = results
    assert (east.outcome, east.status) == ("created", "CREATE_COMPLETE")
    assert not west.ok
    assert west.outcome == "failed"
    assert west.message.startswith("cannot execute the change set of sam-artifacts in us-west-2: BucketAlreadyExists: ")
    assert west.status == "REVIEW_IN_PROGRESS"  # moto: the stack never leaves review (AWS would roll back)


def test_parallel_regions_race_for_a_global_name_and_both_are_reported(mocked, params_dir):
    profile = example(SAM)
    profile["Parameters"]["BucketName"] = "one-global-name"
    write_profile(params_dir, SAM, "example", profile)

    results, _ = run(SAM, regions=(EAST, WEST), params_dir=params_dir, parallel=True)

    assert [r.region for r in results] == [EAST, WEST]
    assert sorted(r.outcome for r in results) == ["created", "failed"]
    (failed,) = [r for r in results if not r.ok]
    assert "BucketAlreadyExists" in failed.message


def test_a_missing_hosted_zone_fails_with_routes_53_reason(mocked):
    (result,), _ = run(DNS)  # the example profile's zone does not exist in moto
    assert result.outcome == "failed"
    assert result.message == (
        "cannot execute the change set of hello-world-dns in us-east-1: NoSuchHostedZone: "
        "No hosted zone found with ID: Z0123456789ABCDEFGHIJ"
    )


def test_failure_reasons_are_the_first_failed_events_without_cancellations():
    def event(logical_id, status, reason="", rtype="AWS::S3::Bucket", **extra):
        return {
            "LogicalResourceId": logical_id,
            "ResourceStatus": status,
            "ResourceStatusReason": reason,
            "ResourceType": rtype,
            **extra,
        }

    events = [
        event("Stack", "CREATE_IN_PROGRESS", "User Initiated", "AWS::CloudFormation::Stack"),
        event("Logs", "CREATE_FAILED", "Resource creation cancelled"),
        event("Bucket", "CREATE_FAILED", "my-bucket already exists"),
        event("Bucket", "CREATE_FAILED", "my-bucket already exists"),
        event("Queue", "CREATE_FAILED", "Invalid\n  value for  VisibilityTimeout", "AWS::SQS::Queue"),
        event(
            "Child",
            "CREATE_FAILED",
            "Embedded stack failed",
            "AWS::CloudFormation::Stack",
            PhysicalResourceId="arn:child",
        ),
        event("Stack", "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Bucket]"),
        event("Table", "DELETE_FAILED", "still in use", "AWS::DynamoDB::Table"),
    ]
    inner = [event("Role", "CREATE_FAILED", "Access denied for iam:CreateRole", "AWS::IAM::Role")]

    assert dep.failure_reasons(events) == [
        "Bucket (AWS::S3::Bucket): my-bucket already exists",
        "Queue (AWS::SQS::Queue): Invalid value for VisibilityTimeout",
        "Child (AWS::CloudFormation::Stack): Embedded stack failed",
    ]
    assert dep.failure_reasons(events, nested_events={"arn:child": inner}.get, limit=5)[2:] == [
        "Child/Role (AWS::IAM::Role): Access denied for iam:CreateRole",
        "Table (AWS::DynamoDB::Table): still in use",
    ]


def test_an_invalid_profile_stops_before_any_aws_call(mocked, params_dir):
    profile = example(SAM)
    profile["Parameters"]["NoncurrentVersionExpirationDays"] = 0
    write_profile(params_dir, SAM, "example", profile)

    with pytest.raises(ProfileError, match="NoncurrentVersionExpirationDays: 0 is below MinValue 1"):
        run(SAM, params_dir=params_dir)
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []


def test_a_stale_rendered_file_is_refused(mocked, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{SAM}.yaml").write_text((TEMPLATES_OUT / f"{SAM}.yaml").read_text() + "# hand edit\n")
    with pytest.raises(
        CatalogError, match=r"sam-artifacts-bucket.yaml is out of date with the code: run 'cfn-catalog render"
    ):
        run(SAM, directory=out)


# ---------------------------------------------------------------- confirmation, names, regions


def test_a_declined_change_set_is_deleted_with_the_empty_stack_it_made(mocked):
    asked = []

    (result,), _ = run(SAM, yes=False, confirm=lambda text: asked.append(text) or False)

    assert asked == ["Execute 2 changes to stack sam-artifacts in us-east-1?"]
    assert (result.outcome, result.ok) == ("declined", False)
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []


def test_an_approved_change_set_runs(mocked):
    (result,), _ = run(SAM, yes=False, confirm=lambda text: True)
    assert result.outcome == "created"


def test_stack_name_option_beats_profile_beats_default(mocked, params_dir):
    profile = example(SAM)
    del profile["StackName"]
    write_profile(params_dir, SAM, "dev", profile)

    run(SAM, "dev", params_dir=params_dir)
    run(SAM, "dev", params_dir=params_dir, stack_name="Custom-Name")

    names = {s["StackName"] for s in boto3.client("cloudformation").describe_stacks()["Stacks"]}
    assert names == {"sam-artifacts-bucket-dev", "Custom-Name"}
    with pytest.raises(UsageError, match="invalid stack name '9lives'"):
        run(SAM, stack_name="9lives")


def test_resolve_regions(monkeypatch):
    class Profile:
        regions: ClassVar[list[str]] = ["eu-west-1"]
        path = "params/x/prod.yaml"

    assert dep.resolve_regions(["us-east-2", "us-east-2"], Profile) == ["us-east-2"]
    assert dep.resolve_regions([], Profile) == ["eu-west-1"]
    Profile.regions = []
    assert dep.resolve_regions([], Profile, {"AWS_REGION": "ap-south-1"}) == ["ap-south-1"]
    monkeypatch.setattr(dep.aws, "default_region", lambda: None)
    with pytest.raises(UsageError, match=r"no region: pass --region, add Regions: to params/x/prod.yaml, or set"):
        dep.resolve_regions([], Profile, {})
    with pytest.raises(UsageError, match="invalid region 'mars-1'"):
        dep.resolve_regions(["mars-1"], Profile)


# ---------------------------------------------------------------- NoEcho parameters, nested trees


def test_no_echo_values_come_from_the_environment(mocked, register, monkeypatch, tmp_path):
    out = register({"demo-secret": secret_template})
    write_profile(tmp_path / "p", "demo-secret", "test", {"Parameters": {}})
    monkeypatch.setenv("CFN_CATALOG_PARAM_TopicSecret", "s3cret-topic")

    (result,), _ = run("demo-secret", "test", directory=out, params_dir=tmp_path / "p")

    assert result.outcome == "created"
    topics = [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]
    assert topics == ["arn:aws:sns:us-east-1:123456789012:s3cret-topic"]


def test_no_echo_values_without_a_variable_are_prompted_for_or_refused(mocked, register, tmp_path):
    out = register({"demo-secret": secret_template})
    write_profile(tmp_path / "p", "demo-secret", "test", {"Parameters": {}})
    common = {"directory": out, "params_dir": tmp_path / "p"}

    with pytest.raises(UsageError) as error:
        run("demo-secret", "test", **common)
    assert str(error.value) == (
        "TopicSecret is a NoEcho parameter without a default: set the environment variable CFN_CATALOG_PARAM_TopicSecret"
    )
    with pytest.raises(UsageError) as error:
        run("demo-secret", "test", prompt=lambda name, spec: "BAD VALUE", **common)
    assert "BAD VALUE" not in str(error.value)
    assert str(error.value).startswith("CFN_CATALOG_PARAM_TopicSecret: the value does not satisfy TopicSecret")

    (result,), _ = run("demo-secret", "test", prompt=lambda name, spec: "typed-at-prompt", **common)
    assert result.outcome == "created"


def test_a_nested_tree_is_published_then_deployed_with_its_location(mocked, register, tmp_path):
    out = register({"demo-parent": parent_template, "demo-child": child_template})
    write_profile(tmp_path / "p", "demo-parent", "test", {"Parameters": {}})
    boto3.client("s3").create_bucket(Bucket="tree-templates")

    (result,), log = run("demo-parent", "test", directory=out, params_dir=tmp_path / "p", bucket="tree-templates")

    assert result.outcome == "created"
    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="tree-templates")["Contents"]}
    assert {"cfn-catalog/0.1.0/demo-parent.yaml", "cfn-catalog/0.1.0/demo-child.yaml"} <= keys
    assert parameters(stack("demo-parent-test")) == {
        "TemplateBucketName": "tree-templates",
        "TemplateKeyPrefix": "cfn-catalog/0.1.0/",
        "TemplateBucketRegion": "us-east-1",
    }
    children = [
        s for s in boto3.client("cloudformation").describe_stacks()["Stacks"] if s["StackName"] != "demo-parent-test"
    ]
    assert [(s["StackName"].startswith("demo-parent-test-Child-"), s["StackStatus"]) for s in children] == [
        (True, "CREATE_COMPLETE")
    ]
    assert [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]] == [
        "arn:aws:sns:us-east-1:123456789012:from-the-parent"
    ]
    assert "published demo-parent to s3://tree-templates/cfn-catalog/0.1.0/: 4 uploaded" in log.text("")


def test_a_nested_tree_needs_a_bucket(mocked, register, tmp_path):
    out = register({"demo-parent": parent_template, "demo-child": child_template})
    write_profile(tmp_path / "p", "demo-parent", "test", {"Parameters": {}})
    with pytest.raises(UsageError, match="demo-parent has nested stacks: give --bucket to publish it to S3 first"):
        run("demo-parent", "test", directory=out, params_dir=tmp_path / "p")


# ---------------------------------------------------------------- status and delete


def test_status_reports_each_region(mocked):
    run(SAM, regions=(EAST,))
    infos = dep.status(SAM, "example", (EAST, WEST), params_dir=PARAMS)
    assert [(i.region, i.stack_name, i.status, i.healthy) for i in infos] == [
        (EAST, "sam-artifacts", "CREATE_COMPLETE", True),
        (WEST, "sam-artifacts", None, False),
    ]


def test_status_shows_outputs(mocked):
    # moto reports Outputs for stacks made by CreateStack, not by change sets.
    body = (TEMPLATES_OUT / f"{SAM}.yaml").read_text()
    boto3.client("cloudformation").create_stack(StackName="direct", TemplateBody=body)
    (info,) = dep.status(SAM, "example", (EAST,), stack_name="direct", params_dir=PARAMS)
    assert info.outputs["BucketName"] in bucket_names()
    assert info.outputs["BucketArn"] == f"arn:aws:s3:::{info.outputs['BucketName']}"


def test_delete_removes_the_stack_and_names_what_it_keeps(mocked):
    run(SAM)
    bucket = physical_id("sam-artifacts", "ArtifactBucket")
    log = dep.Log()

    result = dep.delete(SAM, "example", EAST, yes=True, params_dir=PARAMS, reporter=log, poll=0)

    assert (result.outcome, result.status, result.ok) == ("deleted", "DELETE_COMPLETE", True)
    assert boto3.client("cloudformation").describe_stacks()["Stacks"] == []
    assert bucket in bucket_names()  # DeletionPolicy: Retain
    assert log.text(EAST, "info") == "kept after deletion (DeletionPolicy Retain): ArtifactBucket"
    assert [e.split()[1] for e in log.text(EAST, "event").splitlines()] == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]


def test_delete_asks_first_and_refuses_a_missing_stack(mocked):
    run(SAM)
    result = dep.delete(SAM, "example", EAST, confirm=lambda text: False, params_dir=PARAMS, poll=0)
    assert result.outcome == "declined"
    assert stack("sam-artifacts")["StackStatus"] == "CREATE_COMPLETE"
    absent = dep.delete(SAM, "example", WEST, yes=True, params_dir=PARAMS, poll=0)
    assert (absent.ok, absent.outcome, absent.message) == (
        True,
        "absent",
        "no stack sam-artifacts in us-west-2: nothing to delete",
    )


# ---------------------------------------------------------------- the commands, end to end on a moto server


def test_cli_deploy_two_regions_then_status_rerun_and_delete(cli, runner, endpoint):
    args = ["deploy", SAM, "--env", "example", "--region", EAST, "--region", WEST, "--yes", "--dir", str(TEMPLATES_OUT)]
    args += ["--params-dir", str(PARAMS)]

    first = runner.invoke(cli, [*args, "--parallel", "-v"])
    assert first.exit_code == 0, first.output
    progress = first.stderr.splitlines()  # progress and change sets on stderr, results on stdout
    assert f"[{EAST}] creating stack sam-artifacts: 2 changes" in progress
    assert f"[{WEST}]   Add      ArtifactBucket                           AWS::S3::Bucket" in progress
    summary = first.stdout.splitlines()
    assert [line.split(" [")[0] for line in summary] == [
        f"{EAST}: created sam-artifacts (CREATE_COMPLETE)",
        f"{WEST}: created sam-artifacts (CREATE_COMPLETE)",
    ]
    assert all(line.endswith("s]") for line in summary)  # -v: per-region timing

    status = runner.invoke(cli, ["status", SAM, "--env", "example", "--params-dir", str(PARAMS)])
    assert status.exit_code == 0
    assert [line.split(" (since")[0] for line in status.stdout.splitlines()] == [
        f"{EAST}: sam-artifacts: CREATE_COMPLETE",
        f"{WEST}: sam-artifacts: CREATE_COMPLETE",
    ]

    again = runner.invoke(cli, [*args, "-q"])
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [
        f"{EAST}: sam-artifacts is up to date: same template, parameters and tags",
        f"{WEST}: sam-artifacts is up to date: same template, parameters and tags",
    ]

    gone = runner.invoke(
        cli, ["delete", SAM, "--env", "example", "--region", WEST, "--yes", "--params-dir", str(PARAMS)]
    )
    assert gone.exit_code == 0
    assert gone.stdout.splitlines()[-1] == f"{WEST}: deleted sam-artifacts (DELETE_COMPLETE)"
    status = runner.invoke(
        cli, ["status", SAM, "--env", "example", "--region", WEST, "--params-dir", str(PARAMS), "--json"]
    )
    assert status.exit_code == 1
    assert '"status": null' in status.stdout


def test_cli_deploy_reports_each_region_and_fails_if_one_failed(cli, runner, endpoint, params_dir):
    profile = example(SAM)
    profile["Parameters"]["BucketName"] = "one-global-name"
    write_profile(params_dir, SAM, "example", profile)

    result = runner.invoke(
        cli, ["deploy", SAM, "--env", "example", "--yes", "--params-dir", str(params_dir), "--dir", str(TEMPLATES_OUT)]
    )

    assert result.exit_code == 1
    summary = [line for line in result.stdout.splitlines() if not line.startswith("[")]
    assert summary[0] == f"{EAST}: created sam-artifacts (CREATE_COMPLETE)"
    assert summary[1].startswith(
        f"{WEST}: FAILED: cannot execute the change set of sam-artifacts in us-west-2: BucketAlreadyExists: "
    )
    assert result.stderr.splitlines()[-1] == "1 of 2 regions not deployed"


@pytest.mark.parametrize(
    ("answer", "code", "last"), [("y\n", 0, "created sam-artifacts"), ("n\n", 1, "left as it was")]
)
def test_cli_deploy_asks_before_executing(cli, runner, endpoint, answer, code, last):
    result = runner.invoke(
        cli,
        ["deploy", SAM, "--env", "example", "--region", EAST, "--params-dir", str(PARAMS), "--dir", str(TEMPLATES_OUT)],
        input=answer,
    )
    assert result.exit_code == code
    assert "Execute 2 changes to stack sam-artifacts in us-east-1? [y/N]" in result.stderr
    assert last in result.stdout.splitlines()[-1]


def test_cli_delete_declined_without_input(cli, runner, endpoint):
    runner.invoke(cli, ["deploy", SAM, "--env", "example", "--region", EAST, "--yes", "--params-dir", str(PARAMS)])
    result = runner.invoke(cli, ["delete", SAM, "--env", "example", "--region", EAST, "--params-dir", str(PARAMS)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == f"{EAST}: sam-artifacts not deleted"
    assert stack("sam-artifacts")["StackStatus"] == "CREATE_COMPLETE"


def test_cli_delete_of_a_missing_stack_succeeds_with_a_note(cli, runner, endpoint):
    args = ["delete", SAM, "--env", "example", "--region", EAST, "--yes", "--params-dir", str(PARAMS)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{EAST}: no stack sam-artifacts in us-east-1: nothing to delete"


def test_cli_errors_are_one_line(cli, runner, endpoint):
    cases = [
        (["deploy", SAM, "--env", "nope"], f"Error: no profile {PARAMS}/sam-artifacts-bucket/nope.yaml; profiles for"),
        (["deploy", "no-such-template", "--env", "x"], "Error: unknown template 'no-such-template'"),
        (["deploy", SAM, "--env", "example", "--region", "moon-1"], "Error: invalid region 'moon-1'"),
    ]
    for args, error in cases:
        result = runner.invoke(cli, [*args, "--params-dir", str(PARAMS)])
        assert result.exit_code in (1, 2), args
        assert result.stderr.startswith(error), (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", ["publish", "deploy", "status", "delete"])
def test_every_aws_command_has_help_with_an_example(cli, runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_the_cli_module_imports_no_boto3_at_start_up():
    import subprocess
    import sys

    code = "import sys, cfn_catalog.cli.aws_commands; print('boto3' in sys.modules, 'botocore' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        == "False False\n"
    )


def test_timestamps_in_events_are_clock_times():
    line = dep.format_event(
        {
            "Timestamp": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            "ResourceStatus": "CREATE_FAILED",
            "ResourceType": "AWS::S3::Bucket",
            "LogicalResourceId": "Bucket",
            "ResourceStatusReason": "exists",
        }
    )
    assert line.split() == ["03:04:05", "CREATE_FAILED", "AWS::S3::Bucket", "Bucket:", "exists"]


def test_parallel_regions_are_approved_one_by_one_on_the_calling_thread(mocked):
    import threading

    asked = []

    def confirm(text):
        asked.append((text, threading.current_thread() is threading.main_thread()))
        return WEST in text

    results, _ = run(SAM, regions=(EAST, WEST), parallel=True, yes=False, confirm=confirm)

    assert asked == [
        ("Execute 2 changes to stack sam-artifacts in us-east-1?", True),
        ("Execute 2 changes to stack sam-artifacts in us-west-2?", True),
    ]
    assert [(r.region, r.outcome) for r in results] == [(EAST, "declined"), (WEST, "created")]


def test_the_terminal_reporter_keeps_a_live_status_line_on_stderr(capsys):
    from cfn_catalog.cli.options import Terminal

    terminal = Terminal(quiet=False, show_changes=True)
    terminal.live = True  # as on a terminal
    terminal.progress(EAST, 1, 2)
    terminal.line(EAST, "an event", "event")
    terminal.progress(WEST, 0, 3)
    terminal.progress(EAST, 2, 2)
    terminal.close()

    captured = capsys.readouterr()
    assert captured.out == "[us-east-1] an event\n"
    assert captured.err.split("\r\x1b[K") == [
        "",
        "us-east-1: 1/2 resources",  # drawn
        "",  # cleared before the line, then drawn again:
        "us-east-1: 1/2 resources",
        "",  # cleared, west added
        "us-east-1: 1/2 resources  us-west-2: 0/3 resources",
        "",  # cleared, east done and gone
        "us-west-2: 0/3 resources",
        "",  # cleared at the end
    ]


def test_quiet_hides_events_but_not_the_changes_it_asks_about(capsys):
    from cfn_catalog.cli.options import Terminal

    terminal = Terminal(quiet=True, show_changes=True)
    for kind in ("info", "change", "event"):
        terminal.line(EAST, kind, kind)
    assert capsys.readouterr().out == "[us-east-1] change\n"


def test_a_template_with_assets_is_published_with_them_and_told_where_they_are(mocked):
    boto3.client("s3").create_bucket(Bucket="asset-templates")

    target = dep.prepare("redshift-stl-export", "example", (EAST,), params_dir=PARAMS, bucket="asset-templates")

    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="asset-templates")["Contents"]}
    assert "cfn-catalog/0.1.0/assets/extract_rs_query_logs.py" in keys
    assert "cfn-catalog/0.1.0/redshift-stl-export.yaml" in keys
    passed = {p["ParameterKey"]: p["ParameterValue"] for p in target.change_set_arguments()["Parameters"]}
    assert (passed["TemplateBucketName"], passed["TemplateKeyPrefix"]) == ("asset-templates", "cfn-catalog/0.1.0/")
    assert "TemplateBucketRegion" not in passed


def test_cli_deploy_and_status_print_json_for_scripts(cli, runner, endpoint):
    args = ["deploy", SAM, "--env", "example", "--region", EAST, "--yes", "--dir", str(TEMPLATES_OUT)]
    deployed = runner.invoke(cli, [*args, "--params-dir", str(PARAMS), "--format", "json"])
    assert deployed.exit_code == 0, deployed.output
    (result,) = json.loads(deployed.stdout)
    assert (result["region"], result["stack_name"], result["outcome"]) == (EAST, "sam-artifacts", "created")
    assert any("AWS::S3::Bucket" in change for change in result["changes"])
    status = runner.invoke(
        cli, ["status", SAM, "--env", "example", "--region", EAST, "--params-dir", str(PARAMS), "--format", "json"]
    )
    assert json.loads(status.stdout)[0]["status"] == "CREATE_COMPLETE"


def test_a_bucket_per_region_gives_each_regions_stack_its_own_assets(mocked, params_dir):
    """Glue reads its script from S3 in the job's region: with {region}, each region's bucket gets the assets."""
    for region in (EAST, WEST):
        config = {} if region == EAST else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        boto3.client("s3", region_name=region).create_bucket(Bucket=f"assets-{region}", **config)
    profile = example("redshift-stl-export")
    profile["Regions"] = [EAST, WEST]
    profile["Parameters"]["GlueConnectionAvailabilityZone"] = {EAST: "us-east-1a", WEST: "us-west-2a"}
    write_profile(params_dir, "redshift-stl-export", "two", profile)

    target = dep.prepare("redshift-stl-export", "two", (), params_dir=params_dir, bucket="assets-{region}")

    for region in (EAST, WEST):
        keys = {
            o["Key"]
            for o in boto3.client("s3", region_name=region).list_objects_v2(Bucket=f"assets-{region}")["Contents"]
        }
        assert "cfn-catalog/0.1.0/assets/extract_rs_query_logs.py" in keys
        arguments = target.change_set_arguments(region)
        passed = {p["ParameterKey"]: p["ParameterValue"] for p in arguments["Parameters"]}
        assert passed["TemplateBucketName"] == f"assets-{region}"
        assert arguments["TemplateURL"].startswith(f"https://assets-{region}.s3.{region}.amazonaws.com/")
