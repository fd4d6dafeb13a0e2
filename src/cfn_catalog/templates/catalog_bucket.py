"""The bucket this catalog is published to: templates and assets for CloudFormation and Launch Stack links.

Deploy it once, in the region your readers launch stacks in (nested
`TemplateURL`s and Lambda code must be readable from there), then publish
into it with `cfn-catalog publish --all --bucket <BucketName> --prefix
<TemplatesPrefix>` (the `PublishCommand` output). Every template and asset
lives under `TemplatesPrefix` (`cfn-catalog/<version>/...` and
`cfn-catalog/latest/...`); `TemplatesBaseUrl` is the https address of that
prefix, the one `launch-url` and the docs link to.

Who may read is one choice, `ReadAccess`:

- `Organization`: every account of the AWS Organization `OrganizationId`
  (`aws:PrincipalOrgID`), whatever accounts join it later;
- `Accounts`: the accounts listed in `ReaderAccountIds`;
- `Public`: anyone, anonymously, but only objects under `TemplatesPrefix`.
  This is the only mode that lifts the bucket's public-policy block
  (`BlockPublicPolicy` and `RestrictPublicBuckets`); ACLs stay blocked and
  disabled in every mode.

In every mode readers get `s3:GetObject` under `TemplatesPrefix` and nothing
else: no listing, no other prefix, and no write. The bucket policy grants no
write to anyone and denies writes from every other account; the publisher
(the `ci-publisher-role` template, or any principal of this account) writes
through its own IAM policy.

Objects are encrypted with SSE-S3, not SSE-KMS: CloudFormation in a reader's
account and the console behind a Launch Stack link fetch the templates with
the reader's own credentials, and S3 refuses to decrypt an SSE-KMS object for
a principal that has no grant on the key. A customer managed key would mean
granting `kms:Decrypt` to every reader (impossible for `Public`, and a second
policy to keep in step with the bucket's for the others); the templates and
assets are published artifacts, not secrets, so SSE-S3 is the right fit.

The bucket is versioned and kept when the stack is deleted. Published
versions are never overwritten; `latest/` is, so its replaced versions expire
after `NoncurrentVersionExpirationDays`. Server access logging is on when
`AccessLogBucketName` names an existing log bucket.
"""

from awacs.aws import Allow, Condition, Deny, Principal, Statement, StringEquals, StringNotEquals
from awacs.s3 import Action as S3Action
from awacs.s3 import GetObject
from troposphere import AccountId, Equals, GetAtt, If, Not, Output, Parameter, Ref, Region, Sub, Template
from troposphere.s3 import PublicAccessBlockConfiguration

from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.s3 import (
    OPTIONAL_LOGGING_FINDING,
    default_lifecycle_rules,
    optional_access_logging,
    optional_bucket_name,
    secure_bucket,
    templates_prefix,
)
from cfn_catalog.registry import register

ORGANIZATION_ID_PATTERN = r"^$|^o-[a-z0-9]{10,32}$"
ACCOUNT_ID_PATTERN = r"^$|^\d{12}$"
READ_ACCESS = ("Organization", "Accounts", "Public")
# Every way to create, change or remove an object or the bucket's configuration.
WRITE_ACTIONS = ("Put*", "Delete*", "Replicate*", "RestoreObject", "AbortMultipartUpload")

PUBLIC_FINDINGS = {
    "CKV_AWS_54": "BlockPublicPolicy is lifted only when ReadAccess=Public, whose bucket policy grants "
    "s3:GetObject under TemplatesPrefix alone; it is on for Organization and Accounts",
    "CKV_AWS_56": "RestrictPublicBuckets is lifted only when ReadAccess=Public, so that anonymous readers can "
    "fetch templates under TemplatesPrefix; it is on for Organization and Accounts",
}


def _parameters(t: Template) -> dict[str, Parameter]:
    params = [
        Parameter(
            "ReadAccess",
            Type="String",
            AllowedValues=list(READ_ACCESS),
            Description="Who may read the templates: one AWS Organization, a list of accounts, or anyone "
            "(TemplatesPrefix only)",
        ),
        Parameter(
            "OrganizationId",
            Type="String",
            Default="",
            AllowedPattern=ORGANIZATION_ID_PATTERN,
            ConstraintDescription="an organization ID such as o-a1b2c3d4e5, or empty",
            Description="With ReadAccess=Organization: the organization whose accounts may read",
        ),
        Parameter(
            "ReaderAccountIds",
            Type="CommaDelimitedList",
            Default="",
            AllowedPattern=ACCOUNT_ID_PATTERN,
            ConstraintDescription="12-digit account IDs, comma-separated",
            Description="With ReadAccess=Accounts: the accounts that may read (comma-separated)",
        ),
        Parameter(
            "NoncurrentVersionExpirationDays",
            Type="Number",
            Default=30,
            MinValue=1,
            MaxValue=3650,
            Description="Days after which replaced object versions (the moving latest/ alias) are deleted",
        ),
    ]
    parameters = {p.title: t.add_parameter(p) for p in params}
    parameters["TemplatesPrefix"] = templates_prefix(
        t,
        description="Key prefix the catalog is published under (cfn-catalog publish --prefix); readers can read "
        "nothing else",
    )
    return parameters


def _rules(t: Template) -> None:
    """Each read mode's own parameter must be given (and only a list without blanks)."""
    t.add_rule(
        "OrganizationIdGiven",
        {
            "RuleCondition": {"Fn::Equals": [Ref("ReadAccess"), "Organization"]},
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [Ref("OrganizationId"), ""]}]},
                    "AssertDescription": "ReadAccess=Organization needs OrganizationId",
                }
            ],
        },
    )
    t.add_rule(
        "ReaderAccountIdsGiven",
        {
            "RuleCondition": {"Fn::Equals": [Ref("ReadAccess"), "Accounts"]},
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Contains": [Ref("ReaderAccountIds"), ""]}]},
                    "AssertDescription": "ReadAccess=Accounts needs ReaderAccountIds, without empty entries",
                }
            ],
        },
    )


def read_statement() -> Statement:
    """s3:GetObject under the prefix for the chosen readers; one statement whose principal
    and condition follow ReadAccess."""
    return Statement(
        Sid="ReadTemplates",
        Effect=Allow,
        Principal=If("ReadByAccounts", Principal("AWS", Ref("ReaderAccountIds")), Principal("*")),
        Action=[GetObject],
        Resource=[Sub("arn:${AWS::Partition}:s3:::${CatalogBucket}/${TemplatesPrefix}*")],
        Condition=If(
            "ReadByOrganization",
            Condition(StringEquals("aws:PrincipalOrgID", Ref("OrganizationId"))),
            Ref("AWS::NoValue"),
        ),
    )


def deny_foreign_writes() -> Statement:
    """No principal of another account (nor an anonymous one) may write, whatever else grants it."""
    return Statement(
        Sid="DenyWritesFromOtherAccounts",
        Effect=Deny,
        Principal=Principal("*"),
        Action=[S3Action(action) for action in WRITE_ACTIONS],
        Resource=[
            Sub("arn:${AWS::Partition}:s3:::${CatalogBucket}"),
            Sub("arn:${AWS::Partition}:s3:::${CatalogBucket}/*"),
        ],
        Condition=Condition(StringNotEquals("aws:PrincipalAccount", AccountId)),
    )


@register
def build() -> Template:
    t = Template(
        Description="Catalog bucket serving templates and assets to CloudFormation and Launch Stack links: "
        "versioned, SSE-S3, TLS-only, read by one organization, listed accounts or the public (templates "
        "prefix only), written by the publisher alone"
    )
    bucket_name, bucket_name_value = optional_bucket_name(t)
    p = _parameters(t)
    log_bucket, logging = optional_access_logging(t, prefix="catalog-bucket/")
    interface(
        t,
        [
            ("Bucket", [bucket_name, p["TemplatesPrefix"], p["NoncurrentVersionExpirationDays"]]),
            ("Readers", [p["ReadAccess"], p["OrganizationId"], p["ReaderAccountIds"]]),
            ("Logging", [log_bucket]),
        ],
        labels={
            "BucketName": "Bucket name",
            "TemplatesPrefix": "Templates prefix",
            "NoncurrentVersionExpirationDays": "Keep replaced versions (days)",
            "ReadAccess": "Who may read",
            "OrganizationId": "Organization ID",
            "ReaderAccountIds": "Reader account IDs",
            "AccessLogBucketName": "Access log bucket",
        },
    )
    _rules(t)
    t.add_condition("ReadByOrganization", Equals(Ref(p["ReadAccess"]), "Organization"))
    t.add_condition("ReadByAccounts", Equals(Ref(p["ReadAccess"]), "Accounts"))
    t.add_condition("NotPublic", Not(Equals(Ref(p["ReadAccess"]), "Public")))

    bucket, _ = secure_bucket(
        t,
        "CatalogBucket",
        bucket_name=bucket_name_value,
        lifecycle_rules=default_lifecycle_rules(noncurrent_days=Ref(p["NoncurrentVersionExpirationDays"])),
        logging=logging,
        extra_statements=[read_statement(), deny_foreign_writes()],
    )
    # Public read is a bucket policy, never an ACL: ACLs stay blocked in every mode.
    bucket.PublicAccessBlockConfiguration = PublicAccessBlockConfiguration(
        BlockPublicAcls=True,
        IgnorePublicAcls=True,
        BlockPublicPolicy=If("NotPublic", True, False),
        RestrictPublicBuckets=If("NotPublic", True, False),
    )
    accept_findings(bucket, checkov={**OPTIONAL_LOGGING_FINDING, **PUBLIC_FINDINGS})

    base_url = Sub("https://${CatalogBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/${TemplatesPrefix}")
    t.add_output(Output("BucketName", Description="Name of the catalog bucket (--bucket)", Value=Ref(bucket)))
    t.add_output(Output("BucketArn", Description="ARN of the catalog bucket", Value=GetAtt(bucket, "Arn")))
    t.add_output(Output("BucketRegion", Description="Region of the bucket (--bucket-region)", Value=Region))
    t.add_output(
        Output("TemplatesPrefix", Description="Key prefix to publish under (--prefix)", Value=Ref(p["TemplatesPrefix"]))
    )
    t.add_output(
        Output(
            "TemplatesBaseUrl",
            Description="https address of the templates prefix: <base>latest/<name>.yaml is a template's URL",
            Value=base_url,
        )
    )
    t.add_output(
        Output(
            "PublishCommand",
            Description="How to publish the catalog into this bucket",
            Value=Sub("cfn-catalog publish --all --bucket ${CatalogBucket} --prefix ${TemplatesPrefix}"),
        )
    )
    return t
