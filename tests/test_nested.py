"""Nested stacks: the parent/child contract over every parent in the catalog."""

import pytest
from troposphere import GetAtt, Join, Output, Parameter, Ref, Sub, Template

from cfn_catalog import catalog, render
from cfn_catalog.blocks import nested
from cfn_catalog.checks import contracts


def parents():
    return [name for name in catalog.names() if catalog.children(name)]


def contract_problems(name):
    stacks = {
        logical_id: (child, catalog.template_dict(child)) for logical_id, child in catalog.child_stacks(name).items()
    }
    return contracts.check_parent(name, catalog.template_dict(name), stacks)


@pytest.mark.parametrize("name", parents())
def test_parent_honours_every_child_contract(name):
    assert contract_problems(name) == []


@pytest.mark.parametrize("name", parents())
def test_every_child_is_registered_and_fetched_over_https(name):
    for logical_id, child in catalog.child_stacks(name).items():
        assert child in catalog.names()
        url = catalog.resources(name)[logical_id]["Properties"]["TemplateURL"]["Fn::Sub"]
        assert url.startswith("https://${TemplateBucketName}.s3.${TemplateBucketRegion}.${AWS::URLSuffix}/")
        assert "s3://" not in url


@pytest.mark.parametrize("name", parents())
def test_roots_declare_the_template_location(name):
    if catalog.parents().get(name):
        return  # an inner parent receives the location from its own parent (checked by the contract)
    assert set(contracts.LOCATION_PARAMETERS) <= set(catalog.template_dict(name)["Parameters"])


def _child() -> dict:
    t = Template(Description="child")
    t.add_parameter(Parameter("Required", Type="String"))
    t.add_parameter(Parameter("Subnets", Type="String"))
    t.add_parameter(Parameter("Optional", Type="String", Default="x"))
    t.add_output(Output("Url", Value="u"))
    return t.to_dict()


def _parent(**overrides) -> dict:
    t = Template(Description="parent")
    nested.location_parameters(t)
    subnets = t.add_parameter(Parameter("SubnetIds", Type="List<AWS::EC2::Subnet::Id>"))
    params = {"Required": "a", "Subnets": nested.join_list(subnets)}
    params.update(overrides.pop("parameters", {}))
    params = {k: v for k, v in params.items() if v is not None}
    nested.child_stack(t, "Child", "the-child", parameters=params)
    t.add_output(Output("Url", Value=GetAtt("Child", overrides.pop("output", "Outputs.Url"))))
    sub_output = overrides.pop("sub_output", "Url")
    t.add_output(Output("Text", Value=Sub("see ${Child.Outputs." + sub_output + "}")))
    return t.to_dict()


def _problems(parent):
    return contracts.check_parent("p", parent, {"Child": ("the-child", _child())})


def test_a_correct_pair_has_no_problem():
    assert _problems(_parent()) == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"parameters": {"Required": None}}, "p/Child -> the-child: does not pass required parameter Required"),
        ({"parameters": {"Typo": "x"}}, "p/Child -> the-child: passes Typo, which the child does not declare"),
        (
            {"parameters": {"Subnets": Ref("SubnetIds")}},
            "p/Child -> the-child: passes list parameter SubnetIds to Subnets without Fn::Join",
        ),
        ({"output": "Outputs.Missing"}, "p: reads Child.Outputs.Missing, which the-child does not declare"),
        ({"sub_output": "Gone"}, "p: reads Child.Outputs.Gone, which the-child does not declare"),
    ],
)
def test_a_broken_pair_is_reported(overrides, problem):
    assert _problems(_parent(**overrides)) == [problem]


def test_a_child_with_children_must_receive_the_template_location():
    grandparent_child = _child()
    grandparent_child["Resources"] = {"Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {}}}
    problems = contracts.check_parent("p", _parent(), {"Child": ("the-child", grandparent_child)})
    assert "p/Child -> the-child: must pass TemplateBucketName down so grandchildren resolve" in problems


def test_nested_stack_renders_with_template_url_and_no_stack_name():
    t = Template(Description="regression: a nested stack has a template URL and no name")
    nested.location_parameters(t)
    nested.child_stack(t, "Child", "some-child", parameters={"A": Join(",", ["x", "y"])})
    text = render.render_dict(t.to_dict(), "yaml")
    assert "StackName" not in text
    assert (
        "      TemplateURL: !Sub https://${TemplateBucketName}.s3.${TemplateBucketRegion}.${AWS::URLSuffix}/"
        "${TemplateKeyPrefix}some-child.yaml\n" in text
    )
    assert catalog.child_of(t.to_dict()["Resources"]["Child"]) == "some-child"
