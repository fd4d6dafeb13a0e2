"""The SQL worker of the modern data warehouse (child of `modern-dw-workload`).

An Amazon Linux 2023 instance (Graviton) in a private subnet with the
PostgreSQL 16 client (`psql`), reached through AWS Systems Manager Session
Manager: it has no inbound rule, no SSH key unless KeyPairName is given, and
replaces the original Quick Start's bastion host. IMDSv2 is required and the
root volume is encrypted.

When LoadDataset is true, cfn-init loads the TICKIT sample at creation:

1. Redshift: create the seven TICKIT tables, `COPY` them from
   `s3://<DatasetS3BucketName>/<DatasetS3KeyPrefix>` with the Redshift role,
   and create the view `sales_aggregates` (sales by year and month);
2. PostgreSQL: create `venue` and `sales_aggregates` and fill them from
   Redshift (`psql --csv` piped into `\\copy`), as the original published its
   aggregates with dblink, but without storing a Redshift password in
   PostgreSQL.

Credentials come from the secrets Redshift and RDS manage in AWS Secrets
Manager; the instance role may read those two secrets only (and decrypt them
with the workload key through Secrets Manager). The instance signals
CloudFormation when the load is done, so a failed load fails the stack. The
load runs once, at creation; rerun it with `sudo /opt/modern-dw/load.sh` in a
Session Manager shell.
"""

from awacs.aws import Allow, Condition, Statement, StringEquals
from awacs.kms import Decrypt
from awacs.secretsmanager import GetSecretValue
from troposphere import Equals, GetAtt, If, Output, Parameter, Ref, Sub, Template
from troposphere.ec2 import Instance, LaunchTemplateSpecification
from troposphere.policies import CreationPolicy, ResourceSignal

from cfn_catalog.blocks.ec2 import (
    AMAZON_LINUX_2023_ARM,
    ami_parameter,
    launch_template,
    optional_key_name,
    ssm_instance_role,
)
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register
from cfn_catalog.templates.modern_dw_iam import DATASET_LABELS, DATASET_PARAMETERS

INSTANCE = "SqlWorkerInstance"
LOAD_DIR = "/opt/modern-dw"

SQLWORKER_PARAMETERS: dict[str, dict] = {
    "LoadDataset": {
        "Type": "String",
        "Default": "true",
        "AllowedValues": ["true", "false"],
        "Description": "Load the TICKIT sample dataset into Redshift and PostgreSQL when the stack is created",
    },
    "SqlWorkerInstanceType": {
        "Type": "String",
        "Default": "t4g.small",
        "AllowedValues": ["t4g.small", "t4g.medium", "t4g.large", "m7g.medium", "m7g.large", "m7g.xlarge"],
        "Description": "Instance type of the SQL worker (Graviton)",
    },
    "DatasetS3Region": {
        "Type": "String",
        "Default": "us-east-1",
        "AllowedPattern": r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$",
        "ConstraintDescription": "a region code such as us-east-1",
        "Description": "Region of the dataset bucket (Redshift COPY reads across regions)",
    },
}
SQLWORKER_LABELS = {
    "LoadDataset": "Load the sample dataset",
    "SqlWorkerInstanceType": "SQL worker instance type",
    "DatasetS3Region": "Dataset bucket region",
}
KEY_PAIR_PARAMETER = {
    "Type": "String",
    "Default": "",
    "AllowedPattern": r"^[ -~]{0,255}$",
    "ConstraintDescription": "the name of an existing EC2 key pair, or empty",
    "Description": "Existing EC2 key pair for the instances; empty (recommended): none, connect with Session Manager",
}

# TICKIT, as in the Amazon Redshift getting-started guide: table, columns, COPY file and options.
TICKIT = [
    (
        "users",
        "userid integer not null distkey sortkey, username char(8), firstname varchar(30), lastname varchar(30), "
        "city varchar(30), state char(2), email varchar(100), phone char(14), likesports boolean, "
        "liketheatre boolean, likeconcerts boolean, likejazz boolean, likeclassical boolean, likeopera boolean, "
        "likerock boolean, likevegas boolean, likebroadway boolean, likemusicals boolean",
        "allusers_pipe.txt",
        "delimiter '|'",
    ),
    (
        "venue",
        "venueid smallint not null distkey sortkey, venuename varchar(100), venuecity varchar(30), "
        "venuestate char(2), venueseats integer",
        "venue_pipe.txt",
        "delimiter '|'",
    ),
    (
        "category",
        "catid smallint not null distkey sortkey, catgroup varchar(10), catname varchar(10), catdesc varchar(50)",
        "category_pipe.txt",
        "delimiter '|'",
    ),
    (
        "date",
        "dateid smallint not null distkey sortkey, caldate date not null, day character(3) not null, "
        "week smallint not null, month character(5) not null, qtr character(5) not null, "
        "year smallint not null, holiday boolean default('N')",
        "date2008_pipe.txt",
        "delimiter '|'",
    ),
    (
        "event",
        "eventid integer not null distkey, venueid smallint not null, catid smallint not null, "
        "dateid smallint not null sortkey, eventname varchar(200), starttime timestamp",
        "allevents_pipe.txt",
        "delimiter '|' timeformat 'YYYY-MM-DD HH:MI:SS'",
    ),
    (
        "listing",
        "listid integer not null distkey, sellerid integer not null, eventid integer not null, "
        "dateid smallint not null sortkey, numtickets smallint not null, priceperticket decimal(8,2), "
        "totalprice decimal(8,2), listtime timestamp",
        "listings_pipe.txt",
        "delimiter '|'",
    ),
    (
        "sales",
        "salesid integer not null, listid integer not null distkey, sellerid integer not null, "
        "buyerid integer not null, eventid integer not null, dateid smallint not null sortkey, "
        "qtysold smallint not null, pricepaid decimal(8,2), commission decimal(8,2), saletime timestamp",
        "sales_tab.txt",
        "delimiter '\\t' timeformat 'MM/DD/YYYY HH:MI:SS'",
    ),
]
# Tables published from Redshift to PostgreSQL, with their PostgreSQL columns.
PUBLISHED = [
    ("venue", "venueid smallint not null, venuename varchar(100), venuecity varchar(30), venuestate char(2), "
     "venueseats integer"),
    ("sales_aggregates", "year smallint, month char(5), sum_qtysold bigint, sum_pricepaid numeric(14,2), "
     "sum_commission numeric(14,2)"),
]  # fmt: skip


def redshift_sql() -> str:
    """DDL and COPY of the TICKIT tables and the aggregate view (a Fn::Sub string)."""
    lines = [
        "drop view if exists sales_aggregates;",
        "drop table if exists " + ", ".join(name for name, *_ in reversed(TICKIT)) + ";",
    ]
    lines += [f"create table {name}({columns});" for name, columns, *_ in TICKIT]
    lines += [
        f"copy {name} from 's3://${{DatasetS3BucketName}}/${{DatasetS3KeyPrefix}}{source}' "
        f"iam_role '${{RedshiftRoleArn}}' {options} region '${{DatasetS3Region}}';"
        for name, _, source, options in TICKIT
    ]
    lines.append(
        "create view sales_aggregates as select d.year, d.month, sum(s.qtysold) as sum_qtysold, "
        "sum(s.pricepaid) as sum_pricepaid, sum(s.commission) as sum_commission "
        "from sales s join date d on s.dateid = d.dateid group by d.year, d.month;"
    )
    return "\n".join(lines) + "\n"


def postgres_sql() -> str:
    lines = ["drop table if exists " + ", ".join(name for name, _ in PUBLISHED) + ";"]
    lines += [f"create table {name}({columns});" for name, columns in PUBLISHED]
    return "\n".join(lines) + "\n"


def load_script() -> str:
    """The load, run as root by cfn-init (a Fn::Sub string: no shell `${...}` in it)."""
    tables = " ".join(name for name, _ in PUBLISHED)
    return "\n".join(
        [
            "#!/bin/bash",
            "# Loads TICKIT into Redshift, then publishes tables from Redshift to PostgreSQL.",
            "set -euo pipefail",
            f"cd {LOAD_DIR} && export HOME=/root",
            "secret() { aws secretsmanager get-secret-value --region '${AWS::Region}' --secret-id \"$1\" "
            "--query SecretString --output text; }",
            "RS=$(secret '${RedshiftSecretArn}')",
            "PG=$(secret '${RDSSecretArn}')",
            "export PGSSLMODE=require PGCONNECT_TIMEOUT=30",
            'rs() { PGPASSWORD=$(jq -r .password <<<"$RS") psql -X -q -v ON_ERROR_STOP=1 '
            "-h '${RedshiftEndpointAddress}' -p '${RedshiftEndpointPort}' -d '${RedshiftDatabaseName}' "
            '-U "$(jq -r .username <<<"$RS")" "$@"; }',
            'pg() { PGPASSWORD=$(jq -r .password <<<"$PG") psql -X -q -v ON_ERROR_STOP=1 '
            "-h '${RDSEndpointAddress}' -p '${RDSEndpointPort}' -d '${RDSDatabaseName}' "
            '-U "$(jq -r .username <<<"$PG")" "$@"; }',
            "rs -f redshift.sql",
            "pg -f postgres.sql",
            f"for table in {tables}; do",
            '  rs --csv -t -c "select * from $table" | pg -c "\\copy $table from stdin with (format csv)"',
            "done",
            "",
        ]
    )


def user_data() -> Sub:
    signal_args = f"--stack ${{AWS::StackName}} --resource {INSTANCE} --region ${{AWS::Region}}"
    return Sub(
        "\n".join(
            [
                "#!/bin/bash",
                "dnf install -y aws-cfn-bootstrap",
                f"/opt/aws/bin/cfn-init -v --configsets setup {signal_args}",
                f"/opt/aws/bin/cfn-signal -e $? {signal_args}",
                "",
            ]
        )
    )


def init_metadata() -> dict:
    def file(content: str, mode: str) -> dict:
        return {"content": Sub(content) if "${" in content else content, "mode": mode, "owner": "root", "group": "root"}

    return {
        "AWS::CloudFormation::Init": {
            "configSets": {"setup": If("LoadDatasetCondition", ["install", "load"], ["install"])},
            "install": {"commands": {"01-psql": {"command": "dnf install -y postgresql16 jq"}}},
            "load": {
                "files": {
                    f"{LOAD_DIR}/redshift.sql": file(redshift_sql(), "000600"),
                    f"{LOAD_DIR}/postgres.sql": file(postgres_sql(), "000600"),
                    f"{LOAD_DIR}/load.sh": file(load_script(), "000700"),
                },
                "commands": {"01-load": {"command": f"{LOAD_DIR}/load.sh"}},
            },
        }
    }


def _string(description: str, pattern: str, constraint: str) -> dict:
    return {
        "Type": "String",
        "AllowedPattern": pattern,
        "ConstraintDescription": constraint,
        "Description": description,
    }


HOST = r"^[a-z0-9.-]+$"
SECRET_ARN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@!-]+$"
DB_NAME = r"^[a-zA-Z][a-zA-Z0-9_]{0,63}$"
CONNECTION_PARAMETERS: dict[str, dict] = {
    "RedshiftEndpointAddress": _string("Host name of the Redshift cluster", HOST, "a host name"),
    "RedshiftEndpointPort": _string("Port of the Redshift cluster", r"^\d{4,5}$", "a port number"),
    "RedshiftDatabaseName": _string("Database of the Redshift cluster", DB_NAME, "a database name"),
    "RedshiftSecretArn": _string("Secret with the Redshift master credentials", SECRET_ARN, "a secret ARN"),
    "RedshiftRoleArn": _string(
        "Role the Redshift cluster assumes to COPY from S3",
        r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
        "an IAM role ARN",
    ),
    "RDSEndpointAddress": _string("Host name of the PostgreSQL instance", HOST, "a host name"),
    "RDSEndpointPort": _string("Port of the PostgreSQL instance", r"^\d{4,5}$", "a port number"),
    "RDSDatabaseName": _string("Database of the PostgreSQL instance", DB_NAME, "a database name"),
    "RDSSecretArn": _string("Secret with the PostgreSQL master credentials", SECRET_ARN, "a secret ARN"),
}
PLACEMENT_PARAMETERS: dict[str, dict] = {
    "SubnetId": {"Type": "AWS::EC2::Subnet::Id", "Description": "Private subnet of the SQL worker"},
    "SecurityGroupId": {"Type": "AWS::EC2::SecurityGroup::Id", "Description": "Security group of the SQL worker"},
    "KmsKeyArn": _string(
        "KMS key encrypting the database secrets",
        r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$",
        "a KMS key ARN",
    ),
}


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse: SQL worker (Amazon Linux 2023, Session Manager) that loads the "
        "TICKIT sample into Redshift and PostgreSQL (child of modern-dw-workload)"
    )
    own = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in SQLWORKER_PARAMETERS.items()}
    dataset = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in DATASET_PARAMETERS.items()}
    key_pair = t.add_parameter(Parameter("KeyPairName", **KEY_PAIR_PARAMETER))
    connection = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in CONNECTION_PARAMETERS.items()}
    placement = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in PLACEMENT_PARAMETERS.items()}
    ami = ami_parameter(t, "LatestAmiId", default=AMAZON_LINUX_2023_ARM)
    interface(
        t,
        [
            ("SQL worker", [*own.values(), *dataset.values(), key_pair, ami]),
            ("Databases (from the workload)", list(connection.values())),
            ("Placement (from the workload)", list(placement.values())),
        ],
        labels={**SQLWORKER_LABELS, **DATASET_LABELS, "KeyPairName": "Key pair (optional)"},
    )
    t.add_condition("LoadDatasetCondition", Equals(Ref(own["LoadDataset"]), "true"))
    key_name = optional_key_name(t, key_pair)

    _, profile = ssm_instance_role(
        t,
        "SqlWorker",
        statements=[
            Statement(
                Effect=Allow,
                Action=[GetSecretValue],
                Resource=[Ref(connection["RedshiftSecretArn"]), Ref(connection["RDSSecretArn"])],
            ),
            Statement(
                Effect=Allow,
                Action=[Decrypt],
                Resource=[Ref(placement["KmsKeyArn"])],
                Condition=Condition(
                    StringEquals("kms:ViaService", Sub("secretsmanager.${AWS::Region}.${AWS::URLSuffix}"))
                ),
            ),
        ],
    )
    template = launch_template(
        t,
        "SqlWorkerLaunchTemplate",
        image_id=Ref(ami),
        instance_type=Ref(own["SqlWorkerInstanceType"]),
        instance_profile=profile,
        security_group_ids=[Ref(placement["SecurityGroupId"])],
        user_data=user_data(),
        key_name=key_name,
        name_tag=Sub("${AWS::StackName}-sql-worker"),
    )
    instance = t.add_resource(
        Instance(
            INSTANCE,
            Metadata=init_metadata(),
            LaunchTemplate=LaunchTemplateSpecification(
                LaunchTemplateId=Ref(template), Version=GetAtt(template, "LatestVersionNumber")
            ),
            SubnetId=Ref(placement["SubnetId"]),
            CreationPolicy=CreationPolicy(ResourceSignal=ResourceSignal(Count=1, Timeout="PT45M")),
        )
    )

    t.add_output(Output("InstanceId", Description="Instance id (start a Session Manager shell)", Value=Ref(instance)))
    t.add_output(Output("PrivateIp", Description="Private IP address", Value=GetAtt(instance, "PrivateIp")))
    t.add_output(Output("PrivateDnsName", Description="Private DNS name", Value=GetAtt(instance, "PrivateDnsName")))
    return t
