"""EBS snapshot management in the disaster-recovery region: keep N copies per volume.

The companion of `ebs-snapshot-primary`: deploy it in the region that stack's
`DRRegion` names. When a snapshot copy completes here, an EventBridge rule
(source aws.ec2, "EBS Snapshot Notification", copySnapshot, succeeded) starts a
Step Functions state machine:

1. **TagSnapshot** (function TagSnapshotCopy) manages only copies the primary
   machine made, recognised by their `OriginalVolumeId` tag (other copies in the
   region are left alone), and tags them `AutomatedSnapName`.
2. **RetrieveNumberOfSnapshots** counts the managed copies of the original volume.
3. Beyond `Retention` copies, **CleanupSnapshotsPastRetention** deletes the oldest.
4. Any failure invokes **NotifyUser**, which publishes the snapshot, error and
   execution to an encrypted SNS topic (optionally e-mailed), and the execution
   fails.

Each function has its own role: describing snapshots (no resource scoping
exists), tagging with `AutomatedSnapName` only, deleting only snapshots that
carry it, publishing to the topic only.
"""

from troposphere import Template

from cfn_catalog.blocks import ebs_snapshots as ebs
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register


@register
def build() -> Template:
    t = Template(
        Description="EBS snapshot management, disaster-recovery region: on each completed copy from the "
        "primary region a Step Functions machine tags it and keeps the newest N per volume; failures are "
        "notified through SNS."
    )
    retention = ebs.retention_parameter(t, 1)
    email = ebs.email_parameter(t)
    suffix = ebs.function_name_suffix_parameter(t)
    interface(
        t,
        [("Retention", [retention]), ("Notifications", [email]), ("Naming", [suffix])],
        labels={
            "Retention": "Copies kept per volume",
            "NotificationEmail": "Notification e-mail",
            "FunctionNameSuffix": "Function name suffix",
        },
    )

    tag = ebs.snapshot_function(
        t,
        "TagSnapshotCopy",
        module="snapshot_tag_copy",
        handler="tag_snapshot_copy",
        description="Tags a snapshot copy made by the primary region",
        statements=[ebs.describe_snapshots_statement(), ebs.tag_snapshots_statement([ebs.NAME_TAG])],
    )
    count = ebs.count_function(t, retention)
    delete = ebs.delete_function(t)
    topic, notify = ebs.notification_topic_and_function(t, email)

    machine = ebs.state_machine(t, [tag, count, delete, notify], ebs.definition("TagSnapshotCopy", copy=False))
    ebs.event_rule(
        t,
        machine,
        event="copySnapshot",
        description="Starts snapshot management when a snapshot copy completes in this region",
    )
    ebs.outputs(t, machine, topic)
    return t
