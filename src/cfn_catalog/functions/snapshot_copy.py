"""Copy a managed EBS snapshot to the disaster-recovery region.

Input: the machine's state (`snapshot.snapshotId`, `snapshot.volumeId`). The
client is made for DR_REGION, SourceRegion is AWS_REGION. The copy is tagged
Original* (the DR machine manages such copies) and encrypted with DR_KMS_KEY_ID
or the DR region's default EBS key. A bad state raises InvalidEvent, a bad
DR_REGION ValueError.

EC2 runs a limited number of snapshot copies per destination region at once
and throttles its API; those refusals raise CopyLimitExceeded (the error name
the state machine sees), which the machine retries with a growing interval
instead of failing the copy (COPY_LIMIT_ERRORS: too many copies in progress,
or throttling). Any other EC2 error is raised as it is.
"""

import os

import boto3
from botocore.exceptions import ClientError

COPY_LIMIT_ERRORS = {"ResourceLimitExceeded", "SnapshotCopyLimitExceeded", "RequestLimitExceeded", "Throttling"}


class InvalidEvent(ValueError):
    pass


class CopyLimitExceeded(Exception):
    pass


def copy_snapshot(event, context):
    snapshot = event.get("snapshot") if isinstance(event, dict) else None
    snapshot = snapshot if isinstance(snapshot, dict) else {}
    snapshot_id, volume_id = snapshot.get("snapshotId"), snapshot.get("volumeId")
    if not (str(snapshot_id).startswith("snap-") and str(volume_id).startswith("vol-")):
        raise InvalidEvent(f"state has no snapshot.snapshotId and snapshot.volumeId: {str(event)[:200]}")
    region = os.environ["AWS_REGION"]
    dr_region = os.environ.get("DR_REGION", "")
    if not dr_region or dr_region == region:
        raise ValueError(f"DR_REGION must name another region than {region}, not {dr_region!r}")
    tags = {"OriginalVolumeId": volume_id, "OriginalRegion": region, "OriginalSnapshotId": snapshot_id}
    params = {
        "SourceRegion": region,
        "SourceSnapshotId": snapshot_id,
        "Description": f"DR copy of {snapshot_id} of {volume_id} from {region}",
        "Encrypted": True,
        "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}],
    }
    if os.environ.get("DR_KMS_KEY_ID"):
        params["KmsKeyId"] = os.environ["DR_KMS_KEY_ID"]
    try:
        copy = boto3.client("ec2", region_name=dr_region).copy_snapshot(**params)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in COPY_LIMIT_ERRORS:
            raise CopyLimitExceeded(f"{code}: {snapshot_id} to {dr_region}") from exc
        raise
    return {"copySnapshotId": copy["SnapshotId"], "region": dr_region}
