"""EBS snapshot management in the primary region: tag, keep N per volume, copy to a DR region.

Use it when something else already creates your EBS snapshots (a schedule, Data
Lifecycle Manager, scripts) and you want each completed snapshot handled the
same way: tagged, counted against a per-volume retention count, the oldest
deleted, and a copy sent to a disaster-recovery region. Deploy `ebs-snapshot-dr`
in that region to manage the copies there.

When an EBS snapshot completes, an EventBridge rule (source aws.ec2,
"EBS Snapshot Notification", createSnapshot, succeeded) starts a Step Functions
state machine:

1. **TagSnapshot** checks the volume (when `tagKeyValue` names a tag key, only
   snapshots of volumes carrying that key are managed; `none` manages every
   volume) and tags the snapshot `AutomatedSnapName` and `OriginalVolumeId`.
2. **RetrieveNumberOfSnapshots** counts the volume's managed snapshots.
3. In parallel, **CopyToDRRegion** copies the snapshot to `DRRegion` (always
   encrypted, with `DRKmsKeyId` or the DR region's default EBS key, tagged so the
   DR machine recognises it) and, beyond `Retention` snapshots,
   **CleanupSnapshotsPastRetention** deletes the oldest.
4. Any failure invokes **NotifyUser**, which publishes the snapshot, error and
   execution to an encrypted SNS topic (optionally e-mailed), and the execution
   fails so it stands out in the console.

Each function has its own role: EC2 describe calls (which allow no resource
scoping), tagging limited to the machine's tag keys, deletion limited to
snapshots carrying `AutomatedSnapName`, copy limited to snapshots of this and
the DR region, publishing to the topic only.

Snapshots of encrypted volumes: with the AWS-managed EBS key nothing else is
needed. For volumes encrypted with customer-managed keys of this account and
region, the copy function's role may use those keys (Decrypt, DescribeKey,
ReEncryptFrom, and CreateGrant for AWS resources only) only through EC2 of
EC2 (`kms:ViaService`, either side of the cross-region copy: which side reads
the source key is EC2's choice); the keys' policies must allow
IAM policies of the account (the default key policy does). The role is
granted `DRKmsKeyId`, through EC2 in the DR region, for the copies.

A copy EC2 refuses for now (too many copies in progress to the DR region,
or throttling) fails the function with `CopyLimitExceeded`; the state
machine retries it with a growing interval (1 minute doubling to 15, for
about two hours) before it reports the copy as failed.
"""

from awacs.aws import Allow, BoolIfExists, Condition, Statement, StringEquals, StringLike
from awacs.ec2 import CopySnapshot, CreateTags, DescribeVolumes
from awacs.kms import CreateGrant, Decrypt, DescribeKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo
from troposphere import Equals, Not, Parameter, Ref, Sub, Template
from troposphere.iam import PolicyType

from cfn_catalog.blocks import ebs_snapshots as ebs
from cfn_catalog.blocks.iam import policy_document
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

KMS_KEY_ARN_PATTERN = r"^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[a-zA-Z0-9-]+$"


def source_key_statement() -> Statement:
    """Use this account's KMS keys of this region that encrypt the source snapshots, through EC2 only."""
    return Statement(
        Sid="SourceKeysThroughEc2",
        Effect=Allow,
        Action=[Decrypt, DescribeKey, ReEncryptFrom, CreateGrant],
        Resource=[Sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*")],
        Condition=Condition(
            [
                # EC2 only; of either side of a cross-region copy (the keys are this region's, by Resource)
                StringLike("kms:ViaService", "ec2.*.amazonaws.com"),
                # grants only for AWS resources (EC2); the key is absent from the other actions
                BoolIfExists("kms:GrantIsForAWSResource", "true"),
            ]
        ),
    )


def _copy_kms_policy(t: Template, copy_function, key: Parameter) -> None:
    """Let the copy function encrypt copies with DRKmsKeyId, through EC2 in the DR region only."""
    t.add_condition("HasDRKmsKey", Not(Equals(Ref(key), "")))
    t.add_resource(
        PolicyType(
            "CopySnapshotToDRRegionKmsPolicy",
            Condition="HasDRKmsKey",
            PolicyName="CopySnapshotToDRRegionKmsPolicy",
            Roles=[Ref(f"{copy_function.title}Role")],
            PolicyDocument=policy_document(
                Statement(
                    Effect=Allow,
                    Action=[
                        CreateGrant,
                        DescribeKey,
                        Decrypt,
                        ReEncryptFrom,
                        ReEncryptTo,
                        GenerateDataKeyWithoutPlaintext,
                    ],
                    Resource=[Ref(key)],
                    Condition=Condition(StringEquals("kms:ViaService", Sub("ec2.${DRRegion}.amazonaws.com"))),
                )
            ),
        )
    )


@register
def build() -> Template:
    t = Template(
        Description="EBS snapshot management, primary region: on each completed snapshot a Step Functions "
        "machine tags it, keeps the newest N per volume and copies it to a disaster-recovery region; "
        "failures are notified through SNS."
    )
    tag_key = t.add_parameter(
        Parameter(
            "tagKeyValue",
            Type="String",
            Default="none",
            AllowedPattern=r"^(?!aws:)[A-Za-z0-9 _.:/=+@-]{1,128}$",
            ConstraintDescription="a tag key (1-128 characters, not starting with aws:), or none",
            Description="Tag key a volume must carry (with any value) for its snapshots to be managed; "
            "none manages the snapshots of every volume",
        )
    )
    dr_region = t.add_parameter(
        Parameter(
            "DRRegion",
            Type="String",
            Default="us-east-2",
            AllowedPattern=ebs.REGION_PATTERN,
            ConstraintDescription="a region code such as us-east-2, other than this stack's region",
            Description="Disaster-recovery region the snapshots are copied to (deploy ebs-snapshot-dr there)",
        )
    )
    dr_key = t.add_parameter(
        Parameter(
            "DRKmsKeyId",
            Type="String",
            Default="",
            AllowedPattern=KMS_KEY_ARN_PATTERN,
            ConstraintDescription="the ARN of a KMS key in DRRegion, or empty",
            Description="Optional ARN of a KMS key in DRRegion that encrypts the copies; empty uses the DR "
            "region's default EBS encryption key",
        )
    )
    retention = ebs.retention_parameter(t, 7)
    email = ebs.email_parameter(t)
    suffix = ebs.function_name_suffix_parameter(t)
    interface(
        t,
        [
            ("Snapshot selection and retention", [tag_key, retention]),
            ("Disaster recovery", [dr_region, dr_key]),
            ("Notifications", [email]),
            ("Naming", [suffix]),
        ],
        labels={
            "tagKeyValue": "Volume tag key (or none)",
            "Retention": "Snapshots kept per volume",
            "DRRegion": "DR region",
            "DRKmsKeyId": "KMS key ARN for copies in the DR region",
            "NotificationEmail": "Notification e-mail",
            "FunctionNameSuffix": "Function name suffix",
        },
    )
    t.add_rule(
        "DRRegionIsAnotherRegion",
        {
            "Assertions": [
                {
                    "Assert": Not(Equals(Ref(dr_region), Ref("AWS::Region"))),
                    "AssertDescription": "DRRegion must be another region than the one this stack runs in",
                }
            ]
        },
    )

    tag = ebs.snapshot_function(
        t,
        "TagSnapshots",
        module="snapshot_tag",
        handler="tag_snapshot",
        description="Tags a managed volume's completed snapshot",
        statements=[
            # DescribeVolumes supports no resource-level permissions.
            Statement(Effect=Allow, Action=[DescribeVolumes], Resource=["*"]),
            ebs.tag_snapshots_statement([ebs.NAME_TAG, ebs.VOLUME_TAG]),
        ],
        environment={"TAG_KEY": Ref(tag_key)},
    )
    count = ebs.count_function(t, retention)
    copy = ebs.snapshot_function(
        t,
        "CopySnapshotToDRRegion",
        module="snapshot_copy",
        handler="copy_snapshot",
        description="Copies the snapshot to the DR region",
        statements=[
            Statement(
                Effect=Allow,
                Action=[CopySnapshot],
                Resource=[ebs.snapshot_arn(), ebs.snapshot_arn("${DRRegion}")],
            ),
            # Tags given to CopySnapshot are applied with CreateTags, in the DR region.
            Statement(
                Effect=Allow,
                Action=[CreateTags],
                Resource=[ebs.snapshot_arn("${DRRegion}")],
                Condition=Condition(StringEquals("ec2:CreateAction", "CopySnapshot")),
            ),
            source_key_statement(),
        ],
        environment={"DR_REGION": Ref(dr_region), "DR_KMS_KEY_ID": Ref(dr_key)},
    )
    _copy_kms_policy(t, copy, dr_key)
    delete = ebs.delete_function(t)
    topic, notify = ebs.notification_topic_and_function(t, email)

    machine = ebs.state_machine(t, [tag, count, copy, delete, notify], ebs.definition("TagSnapshots", copy=True))
    ebs.event_rule(
        t,
        machine,
        event="createSnapshot",
        description="Starts snapshot management when an EBS snapshot completes",
    )
    ebs.outputs(t, machine, topic)
    return t
