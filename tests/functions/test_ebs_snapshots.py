"""The EBS snapshot-management handlers against moto's EC2 and SNS.

Bad input: every EC2 handler raises InvalidEvent (a ValueError naming what is
missing) so the state machine's Catch routes it to NotifyUser; the notify
handler, the last resort, publishes whatever it can and rejects nothing.
"""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends

from cfn_catalog.blocks import ebs_snapshots as ebs_block
from cfn_catalog.functions import (
    snapshot_copy,
    snapshot_count,
    snapshot_delete,
    snapshot_notify,
    snapshot_tag,
    snapshot_tag_copy,
)

PRIMARY = "us-east-1"
DR = "us-east-2"
START = "2024-05-01T10:00:00.000Z"
T0 = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", PRIMARY)
    monkeypatch.setenv("AWS_REGION", PRIMARY)  # set by the Lambda runtime
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("ec2", region_name=PRIMARY)


def volume(ec2, **tags):
    spec = [{"ResourceType": "volume", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    return ec2.create_volume(AvailabilityZone=f"{PRIMARY}a", Size=1, TagSpecifications=spec)["VolumeId"]


def snapshot(ec2, volume_id, *, age_days=0, region=PRIMARY, **tags):
    """A snapshot of `volume_id` started `age_days` before T0, with `tags`."""
    spec = [{"ResourceType": "snapshot", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    snapshot_id = ec2.create_snapshot(VolumeId=volume_id, TagSpecifications=spec)["SnapshotId"]
    ec2_backends[DEFAULT_ACCOUNT_ID][region].snapshots[snapshot_id].start_time = T0 - timedelta(days=age_days)
    return snapshot_id


def managed_snapshot(ec2, volume_id, age_days):
    return snapshot(ec2, volume_id, age_days=age_days, AutomatedSnapName=f"{volume_id}_x", OriginalVolumeId=volume_id)


def tags_of(ec2, snapshot_id):
    found = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    return {tag["Key"]: tag["Value"] for tag in found.get("Tags", [])}


def notification(kind, snapshot_id, source, region=PRIMARY, result="succeeded"):
    """An EventBridge "EBS Snapshot Notification" as EC2 sends it."""
    return {
        "version": "0",
        "detail-type": "EBS Snapshot Notification",
        "source": "aws.ec2",
        "region": region,
        "detail": {
            "event": kind,
            "result": result,
            "cause": "",
            "snapshot_id": f"arn:aws:ec2::{region}:snapshot/{snapshot_id}",
            "source": source,
            "startTime": START,
            "endTime": START,
        },
    }


def created(snapshot_id, volume_id, **kwargs):
    return notification("createSnapshot", snapshot_id, f"arn:aws:ec2::{PRIMARY}:volume/{volume_id}", **kwargs)


# Tagging (primary) ------------------------------------------------------------------------------


def test_tag_snapshot_tags_every_volume_when_no_tag_key_is_set(aws, monkeypatch):
    monkeypatch.setenv("TAG_KEY", "none")
    volume_id = volume(aws)
    snapshot_id = snapshot(aws, volume_id)
    result = snapshot_tag.tag_snapshot(created(snapshot_id, volume_id), None)
    assert result == {"managed": True, "snapshotId": snapshot_id, "volumeId": volume_id}
    assert tags_of(aws, snapshot_id) == {"AutomatedSnapName": f"{volume_id}_{START}", "OriginalVolumeId": volume_id}


def test_tag_snapshot_manages_only_volumes_carrying_the_tag_key(aws, monkeypatch):
    monkeypatch.setenv("TAG_KEY", "Backup")
    tagged, untagged = volume(aws, Backup="any value"), volume(aws, Other="x")
    tagged_snapshot, untagged_snapshot = snapshot(aws, tagged), snapshot(aws, untagged)

    assert snapshot_tag.tag_snapshot(created(tagged_snapshot, tagged), None)["managed"] is True
    assert tags_of(aws, tagged_snapshot)["OriginalVolumeId"] == tagged

    result = snapshot_tag.tag_snapshot(created(untagged_snapshot, untagged), None)
    assert result == {"managed": False, "snapshotId": untagged_snapshot, "volumeId": untagged}
    assert tags_of(aws, untagged_snapshot) == {}


def test_tag_snapshot_leaves_snapshots_of_deleted_volumes_alone(aws, monkeypatch):
    monkeypatch.setenv("TAG_KEY", "Backup")
    volume_id = volume(aws, Backup="yes")
    snapshot_id = snapshot(aws, volume_id)
    aws.delete_volume(VolumeId=volume_id)
    assert snapshot_tag.tag_snapshot(created(snapshot_id, volume_id), None)["managed"] is False
    assert tags_of(aws, snapshot_id) == {}


@pytest.mark.parametrize(
    "event",
    [
        None,
        "createSnapshot",
        {},
        {"detail": "x"},
        notification("copySnapshot", "snap-0123456789abcdef0", "arn:aws:ec2::us-east-1:snapshot/snap-1"),
        created("snap-0123456789abcdef0", "vol-0123456789abcdef0", result="failed"),
        created("", "vol-0123456789abcdef0"),
        notification("createSnapshot", "snap-0123456789abcdef0", "arn:aws:ec2::us-east-1:instance/i-1"),
    ],
)
def test_tag_snapshot_rejects_anything_but_a_successful_create_snapshot_notification(aws, event):
    with pytest.raises(snapshot_tag.InvalidEvent):
        snapshot_tag.tag_snapshot(event, None)


# Tagging (DR) -----------------------------------------------------------------------------------


def test_tag_snapshot_copy_manages_copies_made_by_the_primary_machine(aws):
    dr = boto3.client("ec2", region_name=DR)
    source = snapshot(aws, volume(aws))
    copy_id = dr.copy_snapshot(
        SourceRegion=PRIMARY,
        SourceSnapshotId=source,
        TagSpecifications=[
            {
                "ResourceType": "snapshot",
                "Tags": [
                    {"Key": "OriginalVolumeId", "Value": "vol-0123456789abcdef0"},
                    {"Key": "OriginalRegion", "Value": PRIMARY},
                ],
            }
        ],
    )["SnapshotId"]
    event = notification("copySnapshot", copy_id, f"arn:aws:ec2::{PRIMARY}:snapshot/{source}", region=DR)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", DR)  # the DR function runs in the DR region
        patch.setenv("AWS_REGION", DR)
        result = snapshot_tag_copy.tag_snapshot_copy(event, None)
    assert result == {
        "managed": True,
        "snapshotId": copy_id,
        "volumeId": "vol-0123456789abcdef0",
        "originalRegion": PRIMARY,
    }
    assert tags_of(dr, copy_id)["AutomatedSnapName"] == f"vol-0123456789abcdef0_{START}"


def test_tag_snapshot_copy_leaves_other_copies_alone(aws):
    source = snapshot(aws, volume(aws))
    copy_id = aws.copy_snapshot(SourceRegion=PRIMARY, SourceSnapshotId=source)["SnapshotId"]
    event = notification("copySnapshot", copy_id, f"arn:aws:ec2::{PRIMARY}:snapshot/{source}")
    assert snapshot_tag_copy.tag_snapshot_copy(event, None)["managed"] is False
    assert tags_of(aws, copy_id) == {}


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        created("snap-0123456789abcdef0", "vol-0123456789abcdef0"),
        notification("copySnapshot", "snap-0123456789abcdef0", "", result="failed"),
        notification("copySnapshot", "", ""),
    ],
)
def test_tag_snapshot_copy_rejects_anything_but_a_successful_copy_notification(aws, event):
    with pytest.raises(snapshot_tag_copy.InvalidEvent):
        snapshot_tag_copy.tag_snapshot_copy(event, None)


# Counting and deleting --------------------------------------------------------------------------


def state(volume_id, snapshot_id="snap-00000000000000000", **extra):
    return {"snapshot": {"managed": True, "snapshotId": snapshot_id, "volumeId": volume_id}, **extra}


def test_count_counts_only_the_volumes_managed_snapshots_and_lists_the_oldest_beyond_retention(aws, monkeypatch):
    monkeypatch.setenv("RETENTION", "2")
    volume_id, other = volume(aws), volume(aws)
    by_age = {age: managed_snapshot(aws, volume_id, age) for age in (3, 1, 4, 2)}
    managed_snapshot(aws, other, 9)  # another volume
    snapshot(aws, volume_id, age_days=8, OriginalVolumeId=volume_id)  # not completed and tagged by the machine
    snapshot(aws, volume_id, age_days=7)  # not managed at all

    result = snapshot_count.count_snapshots(state(volume_id), None)
    assert result == {"volumeId": volume_id, "count": 4, "retention": 2, "expired": [by_age[4], by_age[3]]}


def test_count_within_retention_expires_nothing(aws, monkeypatch):
    monkeypatch.setenv("RETENTION", "7")
    volume_id = volume(aws)
    managed_snapshot(aws, volume_id, 1)
    assert snapshot_count.count_snapshots(state(volume_id), None)["expired"] == []


@pytest.mark.parametrize("event", [None, {}, {"snapshot": "vol-1"}, {"snapshot": {"volumeId": "snap-1"}}])
def test_count_rejects_a_state_without_a_volume(aws, monkeypatch, event):
    monkeypatch.setenv("RETENTION", "7")
    with pytest.raises(snapshot_count.InvalidEvent):
        snapshot_count.count_snapshots(event, None)


@pytest.mark.parametrize("retention", ["", "0", "-1", "seven"])
def test_count_rejects_a_bad_retention(aws, monkeypatch, retention):
    monkeypatch.setenv("RETENTION", retention)
    with pytest.raises(ValueError, match="RETENTION"):
        snapshot_count.count_snapshots(state("vol-0123456789abcdef0"), None)


def test_count_then_delete_keeps_exactly_the_newest_snapshots(aws, monkeypatch):
    monkeypatch.setenv("RETENTION", "2")
    volume_id = volume(aws)
    by_age = {age: managed_snapshot(aws, volume_id, age) for age in range(5)}
    current = by_age[0]
    run = state(volume_id, current)
    run["snapshots"] = snapshot_count.count_snapshots(run, None)

    result = snapshot_delete.delete_snapshots(run, None)
    assert result == {"deleted": [by_age[4], by_age[3], by_age[2]], "missing": []}
    of_volume = aws.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [volume_id]}])["Snapshots"]
    assert {s["SnapshotId"] for s in of_volume} == {by_age[0], by_age[1]}


def test_delete_never_deletes_the_snapshot_that_started_the_run(aws):
    volume_id = volume(aws)
    current, old = managed_snapshot(aws, volume_id, 0), managed_snapshot(aws, volume_id, 5)
    result = snapshot_delete.delete_snapshots(state(volume_id, current, snapshots={"expired": [current, old]}), None)
    assert result == {"deleted": [old], "missing": []}
    assert tags_of(aws, current)["OriginalVolumeId"] == volume_id


def test_delete_reports_snapshots_already_gone_as_missing(aws):
    volume_id = volume(aws)
    old = managed_snapshot(aws, volume_id, 5)
    gone = "snap-0123456789abcdef0"
    result = snapshot_delete.delete_snapshots(state(volume_id, snapshots={"expired": [gone, old]}), None)
    assert result == {"deleted": [old], "missing": [gone]}


def test_delete_deletes_what_it_can_then_fails_naming_the_rest(monkeypatch):
    deleted = []

    class FakeEc2:
        def delete_snapshot(self, SnapshotId):
            if SnapshotId == "snap-inuse":
                raise ClientError({"Error": {"Code": "InvalidSnapshot.InUse", "Message": "used by ami"}}, "Delete")
            deleted.append(SnapshotId)

    monkeypatch.setattr(snapshot_delete.boto3, "client", lambda service: FakeEc2())
    event = state("vol-1", snapshots={"expired": ["snap-inuse", "snap-old"]})
    with pytest.raises(snapshot_delete.DeletionFailed, match=r"snap-inuse.*InvalidSnapshot\.InUse"):
        snapshot_delete.delete_snapshots(event, None)
    assert deleted == ["snap-old"]


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        {"snapshots": {"count": 3}},
        {"snapshots": {"expired": "snap-1"}},
        {"snapshots": {"expired": ["vol-1"]}},
    ],
)
def test_delete_rejects_a_state_without_the_expired_list(aws, event):
    with pytest.raises(snapshot_delete.InvalidEvent):
        snapshot_delete.delete_snapshots(event, None)


# Copying to the DR region -----------------------------------------------------------------------


@pytest.fixture
def copy_calls(aws, monkeypatch):
    """The region and parameters of every CopySnapshot the copy handler sends."""
    calls = []
    real_client = boto3.client

    def client(service, region_name=None, **kwargs):
        made = real_client(service, region_name=region_name, **kwargs)

        def record(params, **_):
            calls.append((made.meta.region_name, dict(params)))

        made.meta.events.register("provide-client-params.ec2.CopySnapshot", record)
        return made

    monkeypatch.setattr(snapshot_copy.boto3, "client", client)
    monkeypatch.setenv("DR_REGION", DR)
    monkeypatch.delenv("DR_KMS_KEY_ID", raising=False)
    return calls


def test_copy_lands_in_the_dr_region_encrypted_and_tagged_for_the_dr_machine(aws, copy_calls):
    volume_id = volume(aws)
    snapshot_id = managed_snapshot(aws, volume_id, 0)

    result = snapshot_copy.copy_snapshot(state(volume_id, snapshot_id), None)

    [(region, params)] = copy_calls
    assert region == DR
    assert params["SourceRegion"] == PRIMARY and params["SourceSnapshotId"] == snapshot_id
    assert params["Encrypted"] is True and "KmsKeyId" not in params
    assert result["region"] == DR
    dr = boto3.client("ec2", region_name=DR)
    assert tags_of(dr, result["copySnapshotId"]) == {
        "OriginalVolumeId": volume_id,
        "OriginalRegion": PRIMARY,
        "OriginalSnapshotId": snapshot_id,
    }
    primary_ids = {s["SnapshotId"] for s in aws.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert result["copySnapshotId"] not in primary_ids


def test_copy_uses_the_given_dr_kms_key(aws, copy_calls, monkeypatch):
    key_arn = boto3.client("kms", region_name=DR).create_key()["KeyMetadata"]["Arn"]
    monkeypatch.setenv("DR_KMS_KEY_ID", key_arn)
    volume_id = volume(aws)
    snapshot_copy.copy_snapshot(state(volume_id, managed_snapshot(aws, volume_id, 0)), None)
    [(_, params)] = copy_calls
    assert params["KmsKeyId"] == key_arn and params["Encrypted"] is True


@pytest.mark.parametrize("dr_region", ["", PRIMARY])
def test_copy_refuses_a_dr_region_that_is_not_another_region(aws, copy_calls, monkeypatch, dr_region):
    monkeypatch.setenv("DR_REGION", dr_region)
    with pytest.raises(ValueError, match="DR_REGION"):
        snapshot_copy.copy_snapshot(state("vol-0123456789abcdef0", "snap-0123456789abcdef0"), None)
    assert copy_calls == []


@pytest.mark.parametrize(
    "event",
    [None, {}, {"snapshot": "snap-1"}, {"snapshot": {"snapshotId": "snap-1"}}, {"snapshot": {"volumeId": "vol-1"}}],
)
def test_copy_rejects_a_state_without_the_snapshot(aws, copy_calls, event):
    with pytest.raises(snapshot_copy.InvalidEvent):
        snapshot_copy.copy_snapshot(event, None)
    assert copy_calls == []


class RefusingEc2:
    """An EC2 client whose CopySnapshot fails with error `code`."""

    def __init__(self, code):
        self.code = code

    def copy_snapshot(self, **params):
        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "CopySnapshot")


@pytest.mark.parametrize("code", sorted(snapshot_copy.COPY_LIMIT_ERRORS))
def test_copy_refused_for_now_raises_the_error_the_state_machine_retries(aws, monkeypatch, code):
    monkeypatch.setenv("DR_REGION", DR)
    monkeypatch.setattr(snapshot_copy.boto3, "client", lambda service, region_name=None: RefusingEc2(code))
    with pytest.raises(snapshot_copy.CopyLimitExceeded, match=code) as excinfo:
        snapshot_copy.copy_snapshot(state("vol-0123456789abcdef0", "snap-0123456789abcdef0"), None)
    # Lambda reports the exception class name as the error Step Functions matches
    assert type(excinfo.value).__name__ == "CopyLimitExceeded" == ebs_block.COPY_LIMIT_ERROR


@pytest.mark.parametrize("code", ["InvalidSnapshot.NotFound", "UnauthorizedOperation", "SnapshotLimitExceeded"])
def test_copy_raises_other_ec2_errors_as_they_are(aws, monkeypatch, code):
    monkeypatch.setenv("DR_REGION", DR)
    monkeypatch.setattr(snapshot_copy.boto3, "client", lambda service, region_name=None: RefusingEc2(code))
    with pytest.raises(ClientError) as excinfo:
        snapshot_copy.copy_snapshot(state("vol-0123456789abcdef0", "snap-0123456789abcdef0"), None)
    assert not isinstance(excinfo.value, snapshot_copy.CopyLimitExceeded)
    assert excinfo.value.response["Error"]["Code"] == code


# Notification -----------------------------------------------------------------------------------

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:SnapshotMgmt:run-1"


@pytest.fixture
def topic(aws, monkeypatch):
    """A topic whose messages land in a queue; returns a function reading them."""
    sns, sqs = boto3.client("sns", region_name=PRIMARY), boto3.client("sqs", region_name=PRIMARY)
    topic_arn = sns.create_topic(Name="SnapshotMgmt")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("TOPIC_ARN", topic_arn)

    def received():
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    return received


def lambda_error(message, error_type="InvalidEvent"):
    return {"Error": error_type, "Cause": json.dumps({"errorMessage": message, "errorType": error_type})}


def test_notify_publishes_the_snapshot_volume_error_and_execution(topic):
    failed_state = {
        **created("snap-0123456789abcdef0", "vol-0123456789abcdef0"),
        "snapshot": {"managed": True, "snapshotId": "snap-0123456789abcdef0", "volumeId": "vol-0123456789abcdef0"},
        "error": lambda_error("RETENTION must be a whole number >= 1, not ''", "ValueError"),
    }
    result = snapshot_notify.notify({"input": failed_state, "execution": EXECUTION}, None)

    [published] = topic()
    assert published["MessageId"] == result["messageId"]
    assert published["Subject"] == f"EBS snapshot management error in {PRIMARY}"
    assert published["Message"].splitlines() == [
        f"EBS snapshot management failed in {PRIMARY}.",
        "Snapshot: snap-0123456789abcdef0",
        "Volume: vol-0123456789abcdef0",
        f"Execution: {EXECUTION}",
        "Errors:",
        "- ValueError: RETENTION must be a whole number >= 1, not ''",
    ]


def test_notify_reports_every_failed_parallel_branch_and_reads_ids_from_the_event(topic):
    event = created("snap-0123456789abcdef0", "vol-0123456789abcdef0")
    branches = [
        {**event, "error": lambda_error("could not copy", "ClientError")},
        {**event, "error": {"Error": "States.Timeout", "Cause": "task timed out"}},
    ]
    snapshot_notify.notify({"input": {**event, "branches": branches}, "execution": EXECUTION}, None)
    lines = topic()[0]["Message"].splitlines()
    assert "Snapshot: snap-0123456789abcdef0" in lines and "Volume: vol-0123456789abcdef0" in lines
    assert lines[-2:] == ["- ClientError: could not copy", "- States.Timeout: task timed out"]


@pytest.mark.parametrize("event", [None, {}, {"input": "x"}, {"input": {"error": "boom", "branches": "x"}}])
def test_notify_never_rejects_an_event_and_reports_what_is_unknown(topic, event):
    snapshot_notify.notify(event, None)
    lines = topic()[0]["Message"].splitlines()
    assert lines[1:] == ["Snapshot: unknown", "Volume: unknown", "Execution: unknown", "Errors:", "- unknown: unknown"]
