from troposphere import Template
from troposphere.iam import Role

from cfn_catalog import catalog


def test_capabilities_of_the_serverless_api():
    assert catalog.capabilities("helloworld-api") == ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]


def test_plain_templates_need_no_capability():
    assert catalog.capabilities("route53-failover") == []


def _caps(template, monkeypatch):
    monkeypatch.setattr(catalog, "template_dict", lambda name: template.to_dict())
    monkeypatch.setattr(catalog, "tree", lambda name: [name])
    return catalog.capabilities("x")


def test_named_iam_role_needs_named_iam(monkeypatch):
    t = Template()
    t.add_resource(Role("R", AssumeRolePolicyDocument={}, RoleName="fixed"))
    assert _caps(t, monkeypatch) == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]


def test_unnamed_iam_role_needs_iam_only(monkeypatch):
    t = Template()
    t.add_resource(Role("R", AssumeRolePolicyDocument={}))
    assert _caps(t, monkeypatch) == ["CAPABILITY_IAM"]
