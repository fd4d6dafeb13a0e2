"""Keep an AppSync API key valid: move its expiry to RENEWAL_DAYS days ahead.

Runs daily on a schedule and once as a custom resource when the stack creates
(or updates) the key, so the key never reaches AppSync's 7-day default. The
API and key are API_ID and API_KEY_ID (the custom resource's ApiId and
ApiKeyId properties take precedence). AppSync accepts an expiry from 1 to 365
days ahead, rounded down to the hour: RENEWAL_DAYS must be 2 to 365.
A scheduled run raises on failure (the function's Errors metric shows it);
the custom resource reports it to CloudFormation. Delete does nothing.
"""

import os
import time

import boto3

from cfn_catalog.functions.cfn_response import send  # inlined in templates

DAY = 86400
HOUR = 3600


def expiry(now, days):
    """Epoch seconds `days` days after `now`, rounded down to the hour as AppSync stores it."""
    if not 2 <= days <= 365:
        raise ValueError(f"renewal days must be 2 to 365, not {days}")
    return int(now + days * DAY) // HOUR * HOUR


def renew(appsync, api_id, key_id, days, now):
    """Set the key's expiry `days` ahead; the new expiry (epoch seconds)."""
    expires = expiry(now, days)
    key = appsync.update_api_key(apiId=api_id, id=key_id, expires=expires)["apiKey"]
    return key.get("expires", expires)


def settings(properties):
    api_id = properties.get("ApiId") or os.environ.get("API_ID", "")
    key_id = properties.get("ApiKeyId") or os.environ.get("API_KEY_ID", "")
    days = int(properties.get("RenewalDays") or os.environ.get("RENEWAL_DAYS", "0"))
    if not api_id or not key_id:
        raise ValueError("API_ID and API_KEY_ID are required")
    return api_id, key_id, days


def handler(event, context):
    event = event if isinstance(event, dict) else {}
    if "RequestType" not in event:  # the daily schedule
        api_id, key_id, days = settings({})
        expires = renew(boto3.client("appsync"), api_id, key_id, days, time.time())
        print(f"API key {key_id} of {api_id} now expires at {expires}")
        return {"apiId": api_id, "apiKeyId": key_id, "expires": expires}
    properties = event.get("ResourceProperties") or {}
    physical_id = event.get("PhysicalResourceId") or f"renew-{properties.get('ApiKeyId', 'api-key')}"
    try:
        if event["RequestType"] == "Delete":
            reason = "nothing to do on Delete"
        else:
            api_id, key_id, days = settings(properties)
            expires = renew(boto3.client("appsync"), api_id, key_id, days, time.time())
            reason = f"API key {key_id} expires at {expires}"
        send(event, "SUCCESS", reason, physical_id)
    except Exception as error:
        print(f"failed: {error!r}")
        send(event, "FAILED", str(error), physical_id)
