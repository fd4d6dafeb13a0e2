"""Tag a completed EBS snapshot for the snapshot-management machine (primary region).

Event: a successful createSnapshot notification. TAG_KEY "none" manages every
volume, another value only volumes carrying that tag key. Returns {"managed",
"snapshotId", "volumeId"}; a bad event raises InvalidEvent.
"""

import os

import boto3
from botocore.exceptions import ClientError


class InvalidEvent(ValueError):
    pass


def _id(detail, field, prefix):
    """The id ending an ARN such as ...:volume/vol-1."""
    value = str(detail.get(field) or "").rsplit("/", 1)[-1]
    if not value.startswith(prefix):
        raise InvalidEvent(f"detail.{field} holds no {prefix} id: {detail.get(field)!r}")
    return value


def _volume_selected(ec2, volume_id):
    key = os.environ.get("TAG_KEY", "none")
    if key in ("", "none"):
        return True
    try:
        volumes = ec2.describe_volumes(VolumeIds=[volume_id], Filters=[{"Name": "tag-key", "Values": [key]}])
    except ClientError as error:
        if error.response["Error"]["Code"] == "InvalidVolume.NotFound":
            return False  # deleted meanwhile: its tags cannot be checked
        raise
    return bool(volumes["Volumes"])


def tag_snapshot(event, context):
    detail = event.get("detail") if isinstance(event, dict) else None
    if not isinstance(detail, dict) or detail.get("event") != "createSnapshot" or detail.get("result") != "succeeded":
        raise InvalidEvent(f"not a successful createSnapshot notification: {str(event)[:200]}")
    snapshot_id = _id(detail, "snapshot_id", "snap-")
    volume_id = _id(detail, "source", "vol-")
    ec2 = boto3.client("ec2")
    managed = _volume_selected(ec2, volume_id)
    if managed:
        tags = {"AutomatedSnapName": f"{volume_id}_{detail.get('startTime', '')}", "OriginalVolumeId": volume_id}
        ec2.create_tags(Resources=[snapshot_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return {"managed": managed, "snapshotId": snapshot_id, "volumeId": volume_id}
