import json
from types import SimpleNamespace

from cfn_catalog.functions import helloworld

CONTEXT = SimpleNamespace(invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:GetHelloworld")


def test_hello_names_the_region_from_the_function_arn():
    response = helloworld.hello({}, CONTEXT)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"message": "Hello from eu-west-1"}
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"


def test_healthcheck_reports_ok(monkeypatch):
    monkeypatch.setenv("STATUS", "ok")
    response = helloworld.healthcheck({}, CONTEXT)
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"status": "ok"})


def test_healthcheck_reports_fail_with_an_error_status(monkeypatch):
    monkeypatch.setenv("STATUS", "fail")
    response = helloworld.healthcheck({}, CONTEXT)
    assert response["statusCode"] == 503
    assert "ok" not in response["body"]  # Route 53 searches the body for "ok"


def test_healthcheck_without_status_is_unhealthy(monkeypatch):
    monkeypatch.delenv("STATUS", raising=False)
    assert helloworld.healthcheck({}, CONTEXT)["statusCode"] == 503
