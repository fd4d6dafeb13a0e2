"""The custom resource that starts the Flink application once, when the stack creates it."""

import boto3
import pytest
from botocore.stub import Stubber
from conftest import custom_resource_event

from cfn_catalog.functions import start_flink_application as starter

APP = "stock-windows"


@pytest.fixture
def flink(monkeypatch):
    client = boto3.client(
        "kinesisanalyticsv2", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        monkeypatch.setattr(starter.boto3, "client", lambda service: client)
        yield stub
        stub.assert_no_pending_responses()


def event(request_type):
    return custom_resource_event(request_type, "StartApplicationOnCreate", {"ApplicationName": APP}, f"start-{APP}")


def described(status):
    detail = {
        "ApplicationARN": f"arn:aws:kinesisanalytics:us-east-1:123456789012:application/{APP}",
        "ApplicationName": APP,
        "RuntimeEnvironment": "FLINK-1_20",
        "ApplicationStatus": status,
        "ApplicationVersionId": 1,
    }
    return {"ApplicationDetail": detail}


def test_create_starts_a_ready_application_without_a_snapshot(flink, responses):
    flink.add_response("describe_application", described("READY"), {"ApplicationName": APP})
    flink.add_response(
        "start_application",
        {},
        {
            "ApplicationName": APP,
            "RunConfiguration": {
                "ApplicationRestoreConfiguration": {"ApplicationRestoreType": "SKIP_RESTORE_FROM_SNAPSHOT"},
                "FlinkRunConfiguration": {"AllowNonRestoredState": False},
            },
        },
    )
    starter.handler(event("Create"), None)
    assert len(responses) == 1
    response = responses[0]
    assert response["Status"] == "SUCCESS" and response["method"] == "PUT"
    assert response["PhysicalResourceId"] == f"start-{APP}"
    assert response["Reason"] == f"starting application {APP}"
    assert (response["StackId"], response["RequestId"], response["LogicalResourceId"]) == (
        "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "r1",
        "StartApplicationOnCreate",
    )


@pytest.mark.parametrize("status", ["STARTING", "RUNNING", "AUTOSCALING"])
def test_a_running_application_counts_as_started(flink, responses, status):
    flink.add_response("describe_application", described(status), {"ApplicationName": APP})
    starter.handler(event("Create"), None)
    assert responses[0]["Status"] == "SUCCESS"
    assert responses[0]["Reason"] == f"application {APP} was already {status.lower()}"


@pytest.mark.parametrize("request_type", ["Update", "Delete"])
def test_update_and_delete_call_nothing(flink, responses, request_type):
    starter.handler(event(request_type), None)  # the stubber fails on any call
    assert responses[0]["Status"] == "SUCCESS"
    assert responses[0]["PhysicalResourceId"] == f"start-{APP}"


def test_an_application_in_another_state_fails_the_resource_with_its_state(flink, responses):
    flink.add_response("describe_application", described("UPDATING"), {"ApplicationName": APP})
    starter.handler(event("Create"), None)
    assert responses[0]["Status"] == "FAILED"
    assert responses[0]["Reason"] == f"application {APP} is UPDATING, not READY: start it once it is"


def test_a_refused_start_fails_the_resource_with_the_service_message(flink, responses):
    flink.add_response("describe_application", described("READY"), {"ApplicationName": APP})
    flink.add_client_error(
        "start_application", service_error_code="InvalidApplicationConfigurationException", service_message="no code"
    )
    starter.handler(event("Create"), None)
    assert responses[0]["Status"] == "FAILED"
    assert "InvalidApplicationConfigurationException" in responses[0]["Reason"]
    assert "no code" in responses[0]["Reason"]


def test_only_https_response_urls_are_used():
    with pytest.raises(ValueError):
        starter.send({**event("Create"), "ResponseURL": "http://example.com"}, "SUCCESS", "", "x")
