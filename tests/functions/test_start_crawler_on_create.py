"""The custom resource that starts the query-log crawler once, on stack creation."""

import boto3
import pytest
from conftest import custom_resource_event
from moto import mock_aws

from cfn_catalog.functions import start_crawler_on_create as starter


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        glue = boto3.client("glue")
        glue.create_database(DatabaseInput={"Name": "redshift_query_logs_db"})
        glue.create_crawler(
            Name="query-logs",
            Role="arn:aws:iam::123456789012:role/crawler",
            DatabaseName="redshift_query_logs_db",
            Targets={"S3Targets": [{"Path": "s3://logs-bucket/extract_redshift_query_logs/data/stl_query/"}]},
        )
        yield glue


def event(request_type, crawler="query-logs"):
    return custom_resource_event(request_type, "StartCrawlerOnCreate", {"CrawlerName": crawler}, f"start-{crawler}")


def crawler_state(glue):
    return glue.get_crawler(Name="query-logs")["Crawler"]["State"]


def test_create_starts_the_crawler_and_reports_success(aws, responses):
    starter.handler(event("Create"), None)
    assert crawler_state(aws) == "RUNNING"
    assert len(responses) == 1
    response = responses[0]
    assert response["Status"] == "SUCCESS" and response["method"] == "PUT"
    assert response["PhysicalResourceId"] == "start-query-logs"
    assert (response["StackId"], response["RequestId"], response["LogicalResourceId"]) == (
        "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "r1",
        "StartCrawlerOnCreate",
    )


@pytest.mark.parametrize("request_type", ["Update", "Delete"])
def test_update_and_delete_leave_the_crawler_alone(aws, responses, request_type):
    starter.handler(event(request_type), None)
    assert crawler_state(aws) == "READY"
    assert responses[0]["Status"] == "SUCCESS"
    assert responses[0]["PhysicalResourceId"] == "start-query-logs"


def test_a_running_crawler_counts_as_started(aws, responses):
    aws.start_crawler(Name="query-logs")
    starter.handler(event("Create"), None)
    assert responses[0]["Status"] == "SUCCESS" and "already running" in responses[0]["Reason"]


def test_a_crawler_that_cannot_start_fails_the_resource(aws, responses):
    starter.handler(event("Create", crawler="missing"), None)
    assert responses[0]["Status"] == "FAILED"
    assert "EntityNotFoundException" in responses[0]["Reason"] or "missing" in responses[0]["Reason"]


def test_only_https_response_urls_are_used():
    with pytest.raises(ValueError):
        starter.send({**event("Create"), "ResponseURL": "http://example.com"}, "SUCCESS", "", "x")


def test_fits_inline_in_a_template():
    from cfn_catalog.blocks.lambdas import inline_source

    assert inline_source("start_crawler_on_create")
