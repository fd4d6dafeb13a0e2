"""The registry contract: one module, one template, one name everywhere."""

import importlib
import re

import pytest
from conftest import all_names

from cfn_catalog import catalog, registry

KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def test_every_module_registers_exactly_its_own_name():
    specs = catalog.specs()
    modules = registry.template_modules()
    assert sorted(spec.module for spec in specs.values()) == modules
    for module in modules:
        assert registry.template_name(module) in specs


@pytest.mark.parametrize("name", all_names())
def test_names_are_kebab_case(name):
    assert KEBAB.match(name)


def test_names_are_unique_and_sorted():
    names = catalog.names()
    assert names == sorted(set(names))


def test_a_second_module_cannot_take_a_registered_name():
    def build():
        raise AssertionError("never built")

    build.__module__ = "somewhere_else.route53_failover"
    catalog.specs()
    with pytest.raises(registry.RegistryError, match="route53-failover"):
        registry.register(build)


def test_discover_imports_nothing_twice():
    module = importlib.import_module("cfn_catalog.templates.route53_failover")
    assert registry.discover()["route53-failover"].build is module.build


@pytest.mark.parametrize("name", all_names())
def test_every_template_has_a_description_and_version(name):
    doc = catalog.template_dict(name)
    assert doc["AWSTemplateFormatVersion"] == "2010-09-09"
    assert 20 <= len(doc["Description"]) <= 1024


@pytest.mark.parametrize("name", all_names())
def test_interface_metadata_groups_and_labels_every_parameter(name):
    doc = catalog.template_dict(name)
    params = set(doc.get("Parameters", {}))
    if not params:
        return
    interface = doc["Metadata"]["AWS::CloudFormation::Interface"]
    grouped = [p for group in interface["ParameterGroups"] for p in group["Parameters"]]
    assert sorted(grouped) == sorted(params)
    assert set(interface["ParameterLabels"]) == params


@pytest.mark.parametrize("name", all_names())
def test_no_hard_coded_partition_region_or_account(name):
    text = catalog.rendered(name, "json")
    assert "arn:aws:" not in text
    assert not re.search(r"\b\d{12}\b", text)
    assert not re.search(
        r"\b(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|northeast|southeast)-\d[a-f]\b", text
    )


@pytest.mark.parametrize("name", all_names())
def test_every_parameter_is_described_and_constrained(name):
    for parameter, spec in catalog.template_dict(name).get("Parameters", {}).items():
        assert spec.get("Description"), f"{parameter} has no Description"
        if spec["Type"] == "String":
            assert {"AllowedValues", "AllowedPattern", "MinLength", "MaxLength"} & set(spec), (
                f"{parameter}: no constraint"
            )
        if spec["Type"] == "Number":
            assert {"AllowedValues", "MinValue", "MaxValue"} & set(spec), f"{parameter}: no range"


@pytest.mark.parametrize("name", all_names())
def test_secrets_are_no_echo_without_defaults(name):
    for parameter, spec in catalog.template_dict(name).get("Parameters", {}).items():
        names_a_secret = parameter.endswith(("Arn", "Prefix", "Name", "Id"))  # a reference to one, not a value
        if any(word in parameter.lower() for word in ("password", "secret")) and not names_a_secret:
            assert str(spec.get("NoEcho", "")).lower() == "true", f"{parameter} should be NoEcho"
            assert spec.get("Default", "") == "", f"{parameter} must not ship a default secret"
