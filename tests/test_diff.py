"""`cfn-catalog diff`: each rule on a pair of templates, then the CLI end to end."""

import copy
import json
import subprocess

import pytest
from conftest import ROOT

from cfn_catalog import catalog
from cfn_catalog.checks import diff
from cfn_catalog.cli.app import main

BASE = {
    "Parameters": {
        "Env": {"Type": "String", "AllowedValues": ["dev", "test", "prod"], "Default": "dev"},
        "Size": {"Type": "Number", "MinValue": 1, "MaxValue": 100, "Default": 10},
    },
    "Resources": {
        "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "data-a"}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "a"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
    },
    "Outputs": {
        "TopicArn": {"Value": {"Ref": "Topic"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}:TopicArn"}}},
        "Bucket": {"Value": {"Ref": "Data"}},
    },
}


def changed(mutate):
    new = copy.deepcopy(BASE)
    mutate(new)
    return diff.compare("t", BASE, new)


def test_no_change():
    assert diff.compare("t", BASE, copy.deepcopy(BASE)) == []
    assert diff.severity([]) == "none"


def test_property_updated_in_place():
    changes = changed(lambda d: d["Resources"]["Topic"]["Properties"].update(DisplayName="b"))
    assert [c.line() for c in changes] == ["t: resource Topic modified: DisplayName: a -> b (update in place)"]
    assert diff.severity(changes) == "change"


def test_create_only_property_replaces_and_flags_data_loss():
    changes = changed(lambda d: d["Resources"]["Data"]["Properties"].update(BucketName="data-b"))
    assert [c.line() for c in changes] == [
        "t: resource Data replaced [REPLACED, DATA-LOSS RISK]: BucketName: data-a -> data-b (replacement)"
    ]
    assert diff.severity(changes) == "breaking"


def test_logical_id_rename_is_a_replacement():
    def rename(d):
        d["Resources"]["Alerts"] = d["Resources"].pop("Topic")

    changes = changed(rename)
    assert changes[0].action == "renamed" and changes[0].replacement
    assert "logical id -> Alerts (AWS::SNS::Topic)" in changes[0].detail


def test_removed_stateful_resource_is_breaking():
    changes = changed(lambda d: d["Resources"].pop("Data"))
    assert any(c.subject == "Data" and c.action == "removed" and c.data_loss for c in changes)


def test_parameter_narrowed_and_removed_and_required():
    def mutate(d):
        d["Parameters"]["Env"]["AllowedValues"] = ["dev", "prod"]
        d["Parameters"]["Size"]["MaxValue"] = 50
        d["Parameters"]["Owner"] = {"Type": "String"}

    lines = [c.line() for c in changed(mutate)]
    assert "t: parameter Env narrowed [BREAKING]: AllowedValues no longer include ['test']" in lines
    assert "t: parameter Size narrowed [BREAKING]: MaxValue 100 -> 50" in lines
    assert "t: parameter Owner added [BREAKING]: required: no default" in lines
    assert [c.line() for c in changed(lambda d: d["Parameters"].pop("Size"))] == [
        "t: parameter Size removed [BREAKING]: stacks and profiles passing it will fail"
    ]


def test_cosmetic_parameter_change_is_reported_but_not_breaking():
    changes = changed(lambda d: d["Parameters"]["Env"].update(Description="where it runs"))
    assert [c.line() for c in changes] == ["t: parameter Env modified: Description changed"]


def test_output_and_export_removed():
    changes = changed(lambda d: d["Outputs"].pop("TopicArn"))
    assert (
        changes[0].line()
        == "t: output TopicArn removed [BREAKING]: its export !Sub ${AWS::StackName}:TopicArn disappears"
    )


def test_new_capability_is_breaking():
    def named(d):
        d["Resources"]["Role"]["Properties"]["RoleName"] = "fixed"

    lines = [c.line() for c in changed(named)]
    assert (
        "t: capabilities CAPABILITY_NAMED_IAM now required [BREAKING]: deploy commands and pipelines must acknowledge them"
        in lines
    )


def test_profile_that_would_now_fail(tmp_path):
    profile = tmp_path / "t" / "dev.yaml"
    profile.parent.mkdir()
    profile.write_text("Parameters:\n  Env: test\n")
    new = copy.deepcopy(BASE)
    new["Parameters"]["Env"]["AllowedValues"] = ["dev", "prod"]
    changes = diff.compare("t", BASE, new, params_dir=tmp_path)
    assert any(c.subject == "profile dev" and c.action == "would now fail" for c in changes)


def test_added_and_removed_templates():
    assert diff.compare("t", None, BASE)[0].action == "added"
    assert diff.compare("t", BASE, None)[0].breaking


def test_formats():
    changes = changed(lambda d: d["Resources"]["Data"]["Properties"].update(BucketName="data-b"))
    assert json.loads(diff.as_json(changes, "v1"))["severity"] == "breaking"
    markdown = diff.as_markdown(changes, "v1")
    assert markdown.startswith("### :warning: Template changes against `v1`")
    assert "| t | resource `Data` | replaced | **REPLACED**, **DATA-LOSS RISK** |" in markdown


def _old_dir(tmp_path, name, mutate):
    old = copy.deepcopy(catalog.template_dict(name))
    mutate(old)
    directory = tmp_path / "old"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.yaml").write_text(json.dumps(old))  # JSON is YAML
    return directory


@pytest.mark.parametrize(
    ("mutate", "code", "expected"),
    [
        (lambda d: None, 0, "no changes against"),
        (
            lambda d: d["Resources"]["HealthcheckRegion1"]["Properties"]["HealthCheckConfig"].update(
                FailureThreshold=3
            ),
            1,
            "route53-failover: resource HealthcheckRegion1 modified: HealthCheckConfig/FailureThreshold: 3 -> 2 "
            "(update in place)",
        ),
        (
            lambda d: d["Resources"]["HealthcheckRegion1"]["Properties"]["HealthCheckConfig"].update(Type="HTTPS"),
            3,
            "route53-failover: resource HealthcheckRegion1 replaced [REPLACED]: HealthCheckConfig/Type: HTTPS -> "
            "HTTPS_STR_MATCH (replacement)",
        ),
        (
            lambda d: d["Parameters"]["Region1"].update(AllowedPattern="^.*$"),
            3,
            "route53-failover: parameter Region1 narrowed [BREAKING]: AllowedPattern changed",
        ),
    ],
)
def test_cli_against_dir_exit_codes(runner, tmp_path, monkeypatch, mutate, code, expected):
    monkeypatch.chdir(ROOT)
    directory = _old_dir(tmp_path, "route53-failover", mutate)
    result = runner.invoke(main, ["diff", "route53-failover", "--against-dir", str(directory)])
    assert result.exit_code == code, result.output
    assert expected in result.stdout


def test_cli_against_git_ref(runner, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "templates_out").mkdir(parents=True)
    old = copy.deepcopy(catalog.template_dict("sam-artifacts-bucket"))
    old["Outputs"]["Legacy"] = {"Value": "x"}
    (repo / "templates_out" / "sam-artifacts-bucket.yaml").write_text(json.dumps(old))
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "old"], cwd=repo, check=True)
    subprocess.run([*git, "tag", "v0.0.1"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    result = runner.invoke(main, ["diff", "sam-artifacts-bucket", "--params-dir", str(ROOT / "params")])
    assert result.exit_code == 3
    assert (
        result.stdout.splitlines()[0]
        == "sam-artifacts-bucket: output Legacy removed [BREAKING]: consumers reading it will fail"
    )
    assert result.stdout.splitlines()[-1].endswith("against v0.0.1: 1 breaking, 0 replacements, 0 with data-loss risk")
    bad = runner.invoke(main, ["diff", "sam-artifacts-bucket", "--against", "no-such-ref"])
    assert bad.exit_code == 1 and "unknown git ref 'no-such-ref'" in bad.stderr


@pytest.mark.parametrize("optional", ["^(a[0-9]+)?$", "^(?:a[0-9]+)?$"])
def test_a_pattern_made_optional_only_widens(optional):
    assert diff._narrower({"AllowedPattern": "^a[0-9]+$"}, {"AllowedPattern": optional}) == []
    # The other way round it narrows (the empty string is no longer accepted).
    assert diff._narrower({"AllowedPattern": optional}, {"AllowedPattern": "^a[0-9]+$"}) == ["AllowedPattern changed"]
    # Any other change is treated as a possible narrowing.
    assert diff._narrower({"AllowedPattern": "^a[0-9]+$"}, {"AllowedPattern": "^(a[0-9]*)?$"}) == [
        "AllowedPattern changed"
    ]


def test_summary_counts_agree_in_number():
    changes = changed(lambda d: d["Resources"]["Data"]["Properties"].update(BucketName="data-b"))
    summary = "1 change against v1: 1 breaking, 1 replacement, 1 with data-loss risk"
    assert diff.as_text(changes, "v1").splitlines()[-1] == summary
    assert f"\n\n{summary}\n\n" in diff.as_markdown(changes, "v1")
    two = changes + changed(lambda d: d["Resources"]["Topic"]["Properties"].update(DisplayName="b"))
    assert (
        diff.as_text(two, "v1").splitlines()[-1]
        == "2 changes against v1: 1 breaking, 1 replacement, 1 with data-loss risk"
    )
