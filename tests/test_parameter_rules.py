"""Parameter-order rules: declared in a template's Metadata, checked offline by `params --check`."""

import pytest
from conftest import ROOT
from troposphere import Parameter, Template

from cfn_catalog import catalog, params
from cfn_catalog.blocks.metadata import parameter_order_rule
from cfn_catalog.cli.app import main

BUCKET = "s3-onezone-ia-bucket"
RULES_TEMPLATE = {
    "Metadata": {
        "cfn-catalog": {
            "ParameterRules": [
                {"Parameter": "Expire", "GreaterThan": "Move"},
                {"Parameter": "Late", "GreaterThan": "Early", "Unless": {"Parameter": "Early", "Equals": 0}},
            ]
        }
    },
    "Parameters": {
        "Move": {"Type": "Number", "Default": 30},
        "Expire": {"Type": "Number", "Default": 365},
        "Early": {"Type": "String", "Default": "0"},
        "Late": {"Type": "Number", "Default": 0},
    },
}


def _profile(text, tmp_path):
    path = tmp_path / "t" / "dev.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return params.load("t", "dev", tmp_path)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Move: 30\n  Expire: 30", "dev.yaml:3: Expire: 30 must be greater than Move (30)"),
        ("Move: 90\n  Expire: 60", "dev.yaml:3: Expire: 60 must be greater than Move (90)"),
        ("Expire: 10", "dev.yaml:2: Expire: 10 must be greater than Move (30)"),  # against the default
        ("Move: 400", "dev.yaml:2: Expire: 365 must be greater than Move (400)"),  # the line of the one given
        ("Early: '40'\n  Late: 40", "dev.yaml:3: Late: 40 must be greater than Early (40)"),
    ],
)
def test_a_profile_breaking_an_order_rule_is_reported_with_file_and_line(tmp_path, body, problem):
    profile = _profile("Parameters:\n  " + body + "\n", tmp_path)
    assert params.validate(profile, RULES_TEMPLATE) == [f"{tmp_path / 't' / problem}"]


@pytest.mark.parametrize(
    "body",
    [
        "Move: 30\n  Expire: 31",
        "Move: 30",
        "Early: '0'\n  Late: 0",  # Unless: the rule does not apply
        "Early: '30'\n  Late: 31",
        "Expire: many",  # not a number: reported by the value checks, not by the rule
    ],
)
def test_a_profile_keeping_the_order_passes_the_rules(tmp_path, body):
    profile = _profile("Parameters:\n  " + body + "\n", tmp_path)
    assert params.check_parameter_rules(profile, RULES_TEMPLATE) == []


def test_the_block_records_rules_in_the_template_metadata_beside_other_entries():
    t = Template()
    t.set_metadata({"cfn-catalog": {"Assets": ["a.py"]}})
    move, expire = (t.add_parameter(Parameter(name, Type="Number", Default=1)) for name in ("Move", "Expire"))
    parameter_order_rule(t, expire, greater_than=move)
    parameter_order_rule(t, move, greater_than=expire, unless=(move, 0))
    assert t.to_dict()["Metadata"]["cfn-catalog"] == {
        "Assets": ["a.py"],
        "ParameterRules": [
            {"Parameter": "Expire", "GreaterThan": "Move"},
            {"Parameter": "Move", "GreaterThan": "Expire", "Unless": {"Parameter": "Move", "Equals": 0}},
        ],
    }


def test_one_zone_bucket_declares_that_noncurrent_expiration_follows_the_transition():
    template = catalog.template_dict(BUCKET)
    assert template["Metadata"]["cfn-catalog"]["ParameterRules"] == [
        {"Parameter": "NoncurrentExpirationDays", "GreaterThan": "NoncurrentTransitionDays"}
    ]
    declared = template["Parameters"]
    assert "must be less than NoncurrentExpirationDays" in declared["NoncurrentTransitionDays"]["Description"]
    assert "must be greater than NoncurrentTransitionDays" in declared["NoncurrentExpirationDays"]["Description"]
    lifecycle = catalog.resources(BUCKET)["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"][0]
    assert lifecycle["NoncurrentVersionTransitions"][0]["TransitionInDays"] == {"Ref": "NoncurrentTransitionDays"}
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == {"Ref": "NoncurrentExpirationDays"}


def test_params_check_rejects_a_bucket_profile_whose_versions_expire_before_they_move(runner, tmp_path):
    folder = tmp_path / "params" / BUCKET
    folder.mkdir(parents=True)
    (folder / "example.yaml").write_text(
        "Parameters:\n  NoncurrentTransitionDays: 90\n  NoncurrentExpirationDays: 60\n"
    )
    result = runner.invoke(main, ["params", "--check", "--params-dir", str(tmp_path / "params")])
    assert result.exit_code == 1
    assert (
        f"{BUCKET}/example.yaml:3: NoncurrentExpirationDays: 60 must be greater than NoncurrentTransitionDays (90)"
        in (result.stdout)
    )
    assert params.check_all(ROOT / "params", [BUCKET], require_example=True) == []
