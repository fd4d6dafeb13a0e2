"""Custom resource: start a Glue crawler once, when the stack is created.

The crawler's schedule takes over afterwards; Update and Delete do nothing.
A crawler that is already running counts as started.
"""

import json
import urllib.request

import boto3
from botocore.exceptions import ClientError


def start_once(glue, request_type, crawler):
    """What happened, as the custom resource's reason."""
    if request_type != "Create":
        return f"nothing to do on {request_type}"
    try:
        glue.start_crawler(Name=crawler)
    except ClientError as error:
        if error.response["Error"]["Code"] != "CrawlerRunningException":
            raise
        return f"crawler {crawler} was already running"
    return f"started crawler {crawler}"


def send(event, status, reason, physical_id):
    if not event["ResponseURL"].startswith("https://"):
        raise ValueError("ResponseURL must be https")
    keys = ("StackId", "RequestId", "LogicalResourceId")
    body = {"Status": status, "Reason": reason[:1000], "PhysicalResourceId": physical_id, **{k: event[k] for k in keys}}
    data = json.dumps(body).encode()
    request = urllib.request.Request(event["ResponseURL"], data=data, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def handler(event, context):
    crawler = event["ResourceProperties"]["CrawlerName"]
    physical_id = event.get("PhysicalResourceId") or f"start-{crawler}"
    try:
        reason = start_once(boto3.client("glue"), event["RequestType"], crawler)
        send(event, "SUCCESS", reason, physical_id)
    except Exception as error:
        print(f"failed: {error!r}")
        send(event, "FAILED", str(error), physical_id)
