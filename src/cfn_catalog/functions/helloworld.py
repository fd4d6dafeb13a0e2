"""Handlers of the multi-region hello-world API.

`hello` answers with the region it runs in, read from the invoked function's
ARN; `healthcheck` reports the status the stack was deployed with, so a
failover is tested by updating the stack's HealthStatus parameter.
"""

import json
import os


def _response(status_code, body):
    return {
        "statusCode": status_code,
        "headers": {
            "Content-Type": "application/json",
            "Access-Control-Allow-Origin": "*",
        },
        "body": json.dumps(body),
    }


def hello(event, context):
    region = context.invoked_function_arn.split(":")[3]
    return _response(200, {"message": f"Hello from {region}"})


def healthcheck(event, context):
    status = os.environ.get("STATUS", "fail")
    return _response(200 if status == "ok" else 503, {"status": status})
