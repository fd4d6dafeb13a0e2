"""The AppSync API key renewal: daily on a schedule, once as a custom resource."""

import pytest
from conftest import custom_resource_event

from cfn_catalog.blocks.lambdas import inline_source
from cfn_catalog.functions import renew_api_key as renewal

NOW = 1_750_000_123  # an epoch time not on an hour boundary
DAY = 86400


class FakeAppSync:
    """Records UpdateApiKey calls and answers like AppSync (expiry rounded down to the hour)."""

    def __init__(self, fail=None):
        self.calls, self.fail = [], fail

    def update_api_key(self, **params):
        self.calls.append(params)
        if self.fail:
            raise self.fail
        return {"apiKey": {"id": params["id"], "expires": params["expires"]}}


@pytest.fixture
def appsync(monkeypatch):
    fake = FakeAppSync()
    monkeypatch.setattr(renewal.boto3, "client", lambda service: fake if service == "appsync" else None)
    monkeypatch.setattr(renewal.time, "time", lambda: NOW)
    monkeypatch.setenv("API_ID", "api123")
    monkeypatch.setenv("API_KEY_ID", "da2-key")
    monkeypatch.setenv("RENEWAL_DAYS", "30")
    return fake


@pytest.mark.parametrize("days", [2, 30, 365])
def test_expiry_is_days_ahead_rounded_down_to_the_hour_and_within_appsyncs_range(days):
    expires = renewal.expiry(NOW, days)
    assert expires % 3600 == 0
    assert NOW + DAY < expires <= NOW + days * DAY  # AppSync: 1 to 365 days ahead
    assert NOW + days * DAY - expires < 3600


@pytest.mark.parametrize("days", [0, 1, 366])
def test_expiry_refuses_days_appsync_would_reject(days):
    with pytest.raises(ValueError, match="2 to 365"):
        renewal.expiry(NOW, days)


def test_the_daily_run_moves_the_expiry_ahead(appsync):
    result = renewal.handler({"source": "aws.events", "detail-type": "Scheduled Event"}, None)
    [call] = appsync.calls
    assert call == {"apiId": "api123", "id": "da2-key", "expires": renewal.expiry(NOW, 30)}
    assert result == {"apiId": "api123", "apiKeyId": "da2-key", "expires": call["expires"]}


def test_a_failed_daily_run_raises_so_the_errors_metric_shows_it(appsync):
    appsync.fail = RuntimeError("AccessDenied")
    with pytest.raises(RuntimeError):
        renewal.handler({"source": "aws.events"}, None)


def test_a_daily_run_without_the_ids_fails(appsync, monkeypatch):
    monkeypatch.delenv("API_KEY_ID")
    with pytest.raises(ValueError, match="API_KEY_ID"):
        renewal.handler({}, None)
    assert appsync.calls == []


def event(request_type, days="30"):
    properties = {"ApiId": "api123", "ApiKeyId": "da2-key", "RenewalDays": days}
    return custom_resource_event(request_type, "ApiKeyRenewal", properties, "renew-da2-key")


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_the_custom_resource_sets_the_expiry_at_creation_and_update(appsync, responses, request_type):
    renewal.handler(event(request_type, days="90"), None)
    [call] = appsync.calls
    assert call["expires"] == renewal.expiry(NOW, 90)
    [response] = responses
    assert response["Status"] == "SUCCESS" and response["PhysicalResourceId"] == "renew-da2-key"


def test_delete_leaves_the_key_alone(appsync, responses):
    renewal.handler(event("Delete"), None)
    assert appsync.calls == []
    assert responses[0]["Status"] == "SUCCESS"


def test_a_failed_renewal_fails_the_custom_resource_with_the_reason(appsync, responses):
    renewal.handler(event("Create", days="1"), None)
    assert appsync.calls == []
    assert responses[0]["Status"] == "FAILED" and "2 to 365" in responses[0]["Reason"]


def test_the_handler_fits_inline_with_its_response_helper():
    source = inline_source("renew_api_key")
    assert "def send(" in source and "from cfn_catalog" not in source
