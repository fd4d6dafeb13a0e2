"""Tag a snapshot copy made by the primary region's machine (DR region).

Event: a successful copySnapshot notification. Only copies tagged
OriginalVolumeId (by the primary's copy step) are managed. Returns {"managed",
"snapshotId", "volumeId", "originalRegion"}; a bad event raises InvalidEvent.
"""

import boto3


class InvalidEvent(ValueError):
    pass


def tag_snapshot_copy(event, context):
    detail = event.get("detail") if isinstance(event, dict) else None
    if not isinstance(detail, dict) or detail.get("event") != "copySnapshot" or detail.get("result") != "succeeded":
        raise InvalidEvent(f"not a successful copySnapshot notification: {str(event)[:200]}")
    snapshot_id = str(detail.get("snapshot_id") or "").rsplit("/", 1)[-1]
    if not snapshot_id.startswith("snap-"):
        raise InvalidEvent(f"detail.snapshot_id holds no snap- id: {detail.get('snapshot_id')!r}")
    ec2 = boto3.client("ec2")
    snapshots = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]
    tags = {tag["Key"]: tag["Value"] for snapshot in snapshots for tag in snapshot.get("Tags", [])}
    volume_id = tags.get("OriginalVolumeId", "")
    if volume_id:
        name = f"{volume_id}_{detail.get('startTime', '')}"
        ec2.create_tags(Resources=[snapshot_id], Tags=[{"Key": "AutomatedSnapName", "Value": name}])
    return {
        "managed": bool(volume_id),
        "snapshotId": snapshot_id,
        "volumeId": volume_id,
        "originalRegion": tags.get("OriginalRegion", ""),
    }
