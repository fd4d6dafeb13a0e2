"""Custom resource: start a Glue crawler once, when the stack is created.

The crawler's schedule takes over afterwards; Update and Delete do nothing.
A crawler that is already running counts as started.
"""

import boto3
from botocore.exceptions import ClientError

from cfn_catalog.functions.cfn_response import send  # inlined in templates


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


def handler(event, context):
    crawler = event["ResourceProperties"]["CrawlerName"]
    physical_id = event.get("PhysicalResourceId") or f"start-{crawler}"
    try:
        reason = start_once(boto3.client("glue"), event["RequestType"], crawler)
        send(event, "SUCCESS", reason, physical_id)
    except Exception as error:
        print(f"failed: {error!r}")
        send(event, "FAILED", str(error), physical_id)
