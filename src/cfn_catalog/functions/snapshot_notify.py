"""Publish a failure of the snapshot-management machine to TOPIC_ARN.

Input: {"input": <state>, "execution": <ARN>}; errors are at the state's
`error` and `branches[i].error`. As the last resort it rejects no event: what
is missing reads "unknown".
"""

import json
import os

import boto3

UNKNOWN = "unknown"


def _dict(value):
    return value if isinstance(value, dict) else {}


def _cause(error):
    cause = error.get("Cause") or UNKNOWN
    try:
        return str(json.loads(cause).get("errorMessage") or cause)  # a Lambda error's Cause is JSON
    except (TypeError, ValueError, AttributeError):
        return str(cause)


def message(event, region):
    """The subject and body published for `event`."""
    event = _dict(event)
    state = _dict(event.get("input"))
    branches = state.get("branches") if isinstance(state.get("branches"), list) else []
    errors = [_dict(s.get("error")) for s in [state, *map(_dict, branches)] if s.get("error")]
    detail, snapshot = _dict(state.get("detail")), _dict(state.get("snapshot"))
    snapshot_id = snapshot.get("snapshotId") or str(detail.get("snapshot_id") or UNKNOWN).rsplit("/", 1)[-1]
    volume_id = snapshot.get("volumeId") or str(detail.get("source") or UNKNOWN).rsplit("/", 1)[-1]
    lines = [
        f"EBS snapshot management failed in {region}.",
        f"Snapshot: {snapshot_id}",
        f"Volume: {volume_id}",
        f"Execution: {event.get('execution') or UNKNOWN}",
        "Errors:",
    ]
    lines += [f"- {e.get('Error') or UNKNOWN}: {_cause(e)}" for e in errors or [{}]]
    return f"EBS snapshot management error in {region}"[:100], "\n".join(lines)


def notify(event, context):
    subject, body = message(event, os.environ.get("AWS_REGION", UNKNOWN))
    response = boto3.client("sns").publish(TopicArn=os.environ["TOPIC_ARN"], Subject=subject, Message=body)
    return {"messageId": response["MessageId"]}
