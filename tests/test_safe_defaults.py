"""Catalog-wide defaults that must hold for every template, on the built template data.

A stack created with every parameter at its default must work in a new
account: no reserved Lambda concurrency (new accounts cannot reserve any), and
instances that run no containers give the instance metadata one network hop.
"""

import pytest
from conftest import all_names
from troposphere import Parameter, Template

from cfn_catalog import catalog
from cfn_catalog.blocks import lambdas

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


def evaluate(value, template):
    """An intrinsic value with every parameter at its default (the few functions conditions use)."""
    if isinstance(value, dict) and len(value) == 1:
        [(function, args)] = value.items()
        if function == "Ref":
            parameter = template.get("Parameters", {}).get(args)
            return parameter.get("Default") if parameter else ("<pseudo>" if args.startswith("AWS::") else args)
        if function == "Condition":
            return evaluate(template["Conditions"][args], template)
        if function == "Fn::Equals":
            left, right = (evaluate(arg, template) for arg in args)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not evaluate(args[0], template)
        if function == "Fn::And":
            return all(evaluate(arg, template) for arg in args)
        if function == "Fn::Or":
            return any(evaluate(arg, template) for arg in args)
        if function == "Fn::If":
            condition, then, otherwise = args
            return evaluate(then if evaluate({"Condition": condition}, template) else otherwise, template)
        if function == "Fn::Join":
            return args[0].join(str(evaluate(arg, template)) for arg in args[1])
        raise AssertionError(f"cannot evaluate {function} offline")
    return value


def test_the_evaluator_follows_conditions_to_parameter_defaults():
    template = {
        "Parameters": {"N": {"Default": 0}},
        "Conditions": {"HasN": {"Fn::Not": [{"Fn::Equals": [{"Ref": "N"}, 0]}]}},
    }
    assert evaluate({"Fn::If": ["HasN", {"Ref": "N"}, {"Ref": "AWS::NoValue"}]}, template) == "<pseudo>"
    template["Parameters"]["N"]["Default"] = 5
    assert evaluate({"Fn::If": ["HasN", {"Ref": "N"}, {"Ref": "AWS::NoValue"}]}, template) == 5


@pytest.mark.parametrize("name", all_names())
def test_no_function_reserves_concurrency_by_default(name):
    template = catalog.template_dict(name)
    for logical_id, resource in template.get("Resources", {}).items():
        if resource["Type"] not in FUNCTION_TYPES:
            continue
        reserved = resource["Properties"].get("ReservedConcurrentExecutions")
        if reserved is None:
            continue
        assert evaluate(reserved, template) == "<pseudo>", f"{logical_id} reserves {reserved} by default"
        assert reserved == {
            "Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
        }
        parameter = template["Parameters"]["ReservedConcurrency"]
        assert (parameter["Default"], parameter["MinValue"]) == (0, 0), logical_id


def test_reserving_concurrency_is_a_parameter_that_defaults_to_none():
    for name in ("ebs-snapshot-primary", "ebs-snapshot-dr", "helloworld-api"):
        template = catalog.template_dict(name)
        functions = [r for r in template["Resources"].values() if r["Type"] in FUNCTION_TYPES]
        assert functions and all("ReservedConcurrentExecutions" in f["Properties"] for f in functions), name
        assert template["Parameters"]["ReservedConcurrency"]["Default"] == 0
        assert template["Conditions"]["HasReservedConcurrency"] == {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, 0]}]
        }


def test_python_function_refuses_a_fixed_reservation_and_accepts_the_checkov_finding_without_one():
    t = Template()
    with pytest.raises(ValueError, match="reserved_concurrency_parameter"):
        lambdas.python_function(
            t, "Fixed", module="helloworld", handler="hello", description="d", reserved_concurrency=10
        )
    plain = lambdas.python_function(Template(), "Plain", module="helloworld", handler="hello", description="d")
    assert "ReservedConcurrentExecutions" not in plain.properties
    assert {"id": "CKV_AWS_115", "comment": lambdas.UNRESERVED_REASON} in plain.Metadata["checkov"]["skip"]
    t = Template()
    parameter = lambdas.reserved_concurrency_parameter(t)
    capped = lambdas.python_function(
        t, "Capped", module="helloworld", handler="hello", description="d", reserved_concurrency=parameter
    )
    assert isinstance(parameter, Parameter)
    assert t.to_dict()["Resources"]["Capped"]["Properties"]["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert "CKV_AWS_115" not in {skip["id"] for skip in capped.Metadata.get("checkov", {}).get("skip", [])}
