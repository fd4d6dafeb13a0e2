"""Catalog-wide defaults that must hold for every template, on the built template data.

A stack created with every parameter at its default must work in a new
account: no reserved Lambda concurrency (new accounts cannot reserve any), and
instances that run no containers give the instance metadata one network hop.
"""

import pytest
from conftest import all_names
from troposphere import Parameter, Template

from cfn_catalog import catalog
from cfn_catalog.blocks import ec2, lambdas

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
    for name in ("helloworld-api",):
        template = catalog.template_dict(name)
        functions = [r for r in template["Resources"].values() if r["Type"] in FUNCTION_TYPES]
        assert functions and all("ReservedConcurrentExecutions" in f["Properties"] for f in functions), name
        assert template["Parameters"]["ReservedConcurrency"]["Default"] == 0
        assert template["Conditions"]["HasReservedConcurrency"] == {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, 0]}]
        }


def test_snapshot_functions_reserve_nothing_and_say_why():
    for name in ("ebs-snapshot-primary", "ebs-snapshot-dr"):
        for logical_id, resource in catalog.resources(name).items():
            if resource["Type"] == "AWS::Lambda::Function":
                assert "ReservedConcurrentExecutions" not in resource["Properties"], logical_id
                skips = {s["id"]: s["comment"] for s in resource["Metadata"]["checkov"]["skip"]}
                assert skips["CKV_AWS_115"] == lambdas.UNRESERVED_REASON


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


# Instance metadata ------------------------------------------------------------------------------

# Hosts whose containers must reach the instance metadata (and so the instance role) opt in to two
# hops explicitly; none does: ECS tasks get credentials from the agent, and the Docker hosts'
# containers (Ethereum, Hyperledger Fabric) call no AWS API with the instance role.
CONTAINER_HOSTS_WITH_TWO_HOPS: set[tuple[str, str]] = set()
NO_CONTAINER_HOSTS = {
    ("cjis-application", "WebLaunchTemplate"),
    ("cjis-application", "AppLaunchTemplate"),
    ("modern-dw-sqlworker", "SqlWorkerLaunchTemplate"),
    ("modern-dw-tableau", "TableauServerLaunchTemplate"),
    ("redshift-spectrum-poc", "AccessHostLaunchTemplate"),
}


def launch_templates():
    for name in all_names():
        for logical_id, resource in catalog.resources(name).items():
            if resource["Type"] == "AWS::EC2::LaunchTemplate":
                yield name, logical_id, resource["Properties"]["LaunchTemplateData"]


def test_the_metadata_answers_one_hop_unless_a_container_host_opts_in():
    found = {}
    for name, logical_id, data in launch_templates():
        found[(name, logical_id)] = data["MetadataOptions"]
    assert set(found) >= NO_CONTAINER_HOSTS
    for key, options in found.items():
        assert options["HttpTokens"] == "required", key
        assert options["HttpPutResponseHopLimit"] == (2 if key in CONTAINER_HOSTS_WITH_TWO_HOPS else 1), key


def test_launch_template_block_defaults_to_one_hop_and_takes_two_only_when_asked():
    t = Template()
    ec2.launch_template(t, "Default", image_id="ami-1", instance_type="t3.micro")
    ec2.launch_template(t, "Containers", image_id="ami-1", instance_type="t3.micro", metadata_hop_limit=2)
    resources = t.to_dict()["Resources"]
    hops = {
        k: v["Properties"]["LaunchTemplateData"]["MetadataOptions"]["HttpPutResponseHopLimit"]
        for k, v in resources.items()
    }
    assert hops == {"Default": 1, "Containers": 2}
    with pytest.raises(ValueError, match="metadata_hop_limit"):
        ec2.launch_template(t, "Bad", image_id="ami-1", instance_type="t3.micro", metadata_hop_limit=3)
