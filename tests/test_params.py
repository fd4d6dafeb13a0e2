"""Parameter profiles: validation against templates, exports, bad files."""

import json

import pytest
from conftest import ROOT, all_names
from hypothesis import given
from hypothesis import strategies as st

from cfn_catalog import catalog, params
from cfn_catalog.cli.app import main

PARAMS = ROOT / "params"


def test_every_profile_in_the_repository_is_valid_and_every_template_has_an_example():
    assert params.check_all(PARAMS, catalog.names(), require_example=True) == []


@pytest.mark.parametrize("name", all_names())
def test_example_profile_has_no_secret(name):
    declared = catalog.template_dict(name).get("Parameters", {})
    profile = params.load(name, "example", PARAMS)
    assert not [p for p in profile.parameters if params.is_no_echo(declared.get(p, {}))]


TEMPLATE = {
    "Parameters": {
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"]},
        "Name": {"Type": "String", "AllowedPattern": "^[a-z]+$", "MinLength": 2, "MaxLength": 5, "Default": "ab"},
        "Count": {"Type": "Number", "MinValue": 1, "MaxValue": 10, "Default": 2},
        "Vpc": {"Type": "AWS::EC2::VPC::Id"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": ""},
        "Groups": {"Type": "CommaDelimitedList", "Default": ""},
        "Secret": {"Type": "String", "NoEcho": True},
        "Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": "/aws/service/x"},
    }
}


def _profile(text, tmp_path):
    path = tmp_path / "t" / "dev.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return params.load("t", "dev", tmp_path)


def test_a_good_profile_is_valid_and_exports_to_every_format(tmp_path):
    profile = _profile(
        "StackName: demo\nTags:\n  Team: a\nParameters:\n  Env: dev\n  Vpc: vpc-0123456789abcdef0\n"
        "  Subnets: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n  Count: 3\n",
        tmp_path,
    )
    assert params.validate(profile, TEMPLATE) == []
    assert json.loads(params.export(profile, "cli"))[3] == {
        "ParameterKey": "Count",
        "ParameterValue": "3",
    }
    assert json.loads(params.export(profile, "overrides"))[2] == (
        "Subnets=subnet-0123456789abcdef0,subnet-0123456789abcdef1"
    )
    assert json.loads(params.export(profile, "codepipeline")) == {
        "Parameters": {
            "Env": "dev",
            "Vpc": "vpc-0123456789abcdef0",
            "Subnets": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
            "Count": "3",
        },
        "Tags": {"Team": "a"},
    }
    assert json.loads(params.export(profile, "cfn-lint")) == json.loads(params.export(profile, "cli"))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nTypo: 1", "dev.yaml:4: Typo: not a parameter of t"),
        ("Vpc: vpc-0123456789abcdef0", "dev.yaml: Env: required (no default) but missing from the profile"),
        ("Env: test\nVpc: vpc-0123456789abcdef0", "Env: 'test' is not one of the AllowedValues [dev, prod]"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nName: AB", "Name: 'AB' does not match AllowedPattern"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nName: a", "Name: 'a' is shorter than MinLength 2"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nName: abcdef", "Name: 'abcdef' is longer than MaxLength 5"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nCount: 11", "Count: 11 is above MaxValue 10"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nCount: 0", "Count: 0 is below MinValue 1"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nCount: many", "Count: 'many' is not a number"),
        ("Env: dev\nVpc: vpc-12", "Vpc: 'vpc-12' does not look like a AWS::EC2::VPC::Id"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nSubnets: [subnet-1]", "Subnets: 'subnet-1' does not look like"),
        ("Env: dev\nVpc: vpc-0123456789abcdef0\nSecret: hunter2", "Secret: NoEcho parameters must not be written"),
        ("Env: [dev]\nVpc: vpc-0123456789abcdef0", "Env: a list was given but the parameter type is String"),
    ],
)
def test_bad_values_are_reported_with_file_line_and_rule(tmp_path, body, problem):
    profile = _profile("Parameters:\n  " + body.replace("\n", "\n  ") + "\n", tmp_path)
    problems = params.validate(profile, TEMPLATE)
    assert len(problems) == 1, problems
    assert problem in problems[0]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Parameters: [a, b\n", "dev.yaml:2: invalid YAML"),
        ("- a\n- b\n", "a profile is a mapping with a 'Parameters' key, not a list"),
        ("Parameters:\n  A: 1\nParams: {}\n", "dev.yaml:3: unknown key 'Params'"),
        ("Parameters: just-a-string\n", "dev.yaml:1: 'Parameters' must map names to values"),
        (
            "Parameters:\n  A: {x: 1}\n",
            "dev.yaml:2: Parameters.A: a mapping gives one value per region, and 'x' is not",
        ),
        ("Parameters:\n  A: [{x: 1}]\n", "dev.yaml:2: Parameters.A: a value must be a string"),
        ("StackName: 1bad\n", "StackName '1bad' is not a valid stack name"),
        ("Regions: [mars-1]\n", "Regions must be a list of region codes"),
        ("Tags: [a]\n", "'Tags' must map tag keys to string values"),
    ],
)
def test_malformed_profile_files_are_one_clear_error(tmp_path, text, problem):
    with pytest.raises(params.ProfileError) as excinfo:
        _profile(text, tmp_path)
    assert problem in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


@given(st.integers(min_value=-100, max_value=100))
def test_number_range_property(value):
    problems = params.check_value("Count", value, TEMPLATE["Parameters"]["Count"])
    assert (problems == []) == (1 <= value <= 10)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0", min_size=0, max_size=8))
def test_pattern_and_length_property(value):
    problems = params.check_value("Name", value, TEMPLATE["Parameters"]["Name"])
    ok = value.isalpha() and value.islower() and 2 <= len(value) <= 5
    assert (problems == []) == ok


@given(st.sampled_from(["dev", "prod", "test", "Dev", "", "prod "]))
def test_allowed_values_property(value):
    assert (params.check_value("Env", value, TEMPLATE["Parameters"]["Env"]) == []) == (value in ("dev", "prod"))


def test_cli_exports_and_writes_atomically(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(main, ["params", "route53-failover", "--env", "example", "--format", "codepipeline"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["Tags"] == {"Project": "hello-world"}
    out = tmp_path / "p.json"
    result = runner.invoke(main, ["params", "route53-failover", "--env", "example", "--out", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text())[0]["ParameterKey"] == "HostedZoneId"


def test_cli_check_reports_every_problem_and_exits_1(runner, tmp_path):
    bad = tmp_path / "params" / "route53-failover"
    bad.mkdir(parents=True)
    (bad / "example.yaml").write_text("Parameters:\n  Region1: nowhere\n")
    (tmp_path / "params" / "no-such-template").mkdir()
    (tmp_path / "params" / "no-such-template" / "dev.yaml").write_text("Parameters: {}\n")
    result = runner.invoke(main, ["params", "--check", "--params-dir", str(tmp_path / "params")])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any("no-such-template/dev.yaml: no template named 'no-such-template'" in line for line in lines)
    assert any(
        "route53-failover/example.yaml:2: Region1: 'nowhere' does not match AllowedPattern" in line for line in lines
    )
    assert any("HostedZoneId: required (no default) but missing" in line for line in lines)
    assert any(
        "sam-artifacts-bucket/example.yaml: missing (every template ships an example profile)" in line for line in lines
    )
