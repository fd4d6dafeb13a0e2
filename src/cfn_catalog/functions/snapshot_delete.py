"""Delete the EBS snapshots the count step listed beyond the retention count.

Input: the machine's state (`snapshots.expired`); the run's own snapshot is
never deleted, one already gone is reported missing, other failures raise
DeletionFailed after the rest are deleted. A state without the list raises
InvalidEvent.
"""

import boto3
from botocore.exceptions import ClientError


class InvalidEvent(ValueError):
    pass


class DeletionFailed(RuntimeError):
    pass


def delete_snapshots(event, context):
    state = event if isinstance(event, dict) else {}
    snapshots, snapshot = state.get("snapshots"), state.get("snapshot")
    expired = snapshots.get("expired") if isinstance(snapshots, dict) else None
    if not isinstance(expired, list) or not all(isinstance(s, str) and s.startswith("snap-") for s in expired):
        raise InvalidEvent(f"state has no snapshots.expired list of snapshot ids: {str(event)[:200]}")
    current = snapshot.get("snapshotId") if isinstance(snapshot, dict) else None
    ec2 = boto3.client("ec2")
    deleted, missing, failed = [], [], {}
    for snapshot_id in expired:
        if snapshot_id == current:
            continue
        try:
            ec2.delete_snapshot(SnapshotId=snapshot_id)
            deleted.append(snapshot_id)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "InvalidSnapshot.NotFound":
                missing.append(snapshot_id)
            else:
                failed[snapshot_id] = code
    if failed:
        raise DeletionFailed(f"deleted {deleted}, could not delete {failed}")
    return {"deleted": deleted, "missing": missing}
