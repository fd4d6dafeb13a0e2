"""Count a volume's managed EBS snapshots; list those beyond the retention count.

Input: the machine's state (`snapshot.volumeId`). RETENTION snapshots are kept,
newest by start time; `expired` lists the others' ids, oldest first. A state
without a volume id raises InvalidEvent, a bad RETENTION ValueError.
"""

import os

import boto3


class InvalidEvent(ValueError):
    pass


def count_snapshots(event, context):
    snapshot = event.get("snapshot") if isinstance(event, dict) else None
    volume_id = snapshot.get("volumeId") if isinstance(snapshot, dict) else None
    if not isinstance(volume_id, str) or not volume_id.startswith("vol-"):
        raise InvalidEvent(f"state has no snapshot.volumeId: {str(event)[:200]}")
    retention = os.environ.get("RETENTION", "")
    if not retention.isdigit() or int(retention) < 1:
        raise ValueError(f"RETENTION must be a whole number >= 1, not {retention!r}")
    retention = int(retention)
    filters = [
        {"Name": "tag:OriginalVolumeId", "Values": [volume_id]},
        {"Name": "tag-key", "Values": ["AutomatedSnapName"]},
    ]
    pages = boto3.client("ec2").get_paginator("describe_snapshots").paginate(OwnerIds=["self"], Filters=filters)
    newest_first = sorted(((s["StartTime"], s["SnapshotId"]) for p in pages for s in p["Snapshots"]), reverse=True)
    expired = [snapshot_id for _, snapshot_id in reversed(newest_first[retention:])]
    return {"volumeId": volume_id, "count": len(newest_first), "retention": retention, "expired": expired}
