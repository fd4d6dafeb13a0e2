"""The Amazon RDS for PostgreSQL 16 instance of the modern data warehouse (child of `modern-dw-workload`).

A PostgreSQL 16 instance in the private subnets (the template names only the
major version: RDS creates it on the current default minor version and
automatic minor version upgrades keep it current, so no minor version is
pinned that RDS may later deprecate), Multi-AZ when RDSMultiAZ is true: storage and
Performance Insights encrypted with the workload's KMS key, TLS forced by its
parameter group, IAM database authentication on, PostgreSQL and upgrade logs
exported to CloudWatch Logs, enhanced monitoring every minute, automated
backups kept RDSBackupRetentionDays, deletion protection set by
RDSDeletionProtection and a final snapshot when the stack deletes it.

The master password is generated and kept by RDS in AWS Secrets Manager
(`ManageMasterUserPassword`); no password parameter exists. The security
group admits port 5432 only from the SQL worker and Tableau Server groups and
allows no outbound traffic. Deploy it through `modern-dw-workload` (or
`modern-dw`), not alone.
"""

from troposphere import GetAtt, Output, Parameter, Ref, Template
from troposphere.ec2 import SecurityGroup, SecurityGroupRule
from troposphere.rds import DBInstance, DBParameterGroup, DBSubnetGroup, MasterUserSecret

from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.registry import register
from cfn_catalog.templates.modern_dw_redshift import DATABASE_NETWORK_PARAMETERS, ingress_from_clients

POSTGRES_PORT = 5432
# The major version only: RDS picks the current minor at creation, AutoMinorVersionUpgrade keeps it.
POSTGRES_MAJOR_VERSION = "16"
# Current families only; t4g from medium up (Performance Insights needs it).
INSTANCE_CLASSES = [
    f"db.{family}.{size}"
    for family, sizes in (
        ("t4g", ("medium", "large", "xlarge", "2xlarge")),
        ("m7g", ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge")),
        ("m6i", ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge")),
        ("r6i", ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge")),
    )
    for size in sizes
]

RDS_PARAMETERS: dict[str, dict] = {
    "RDSDatabaseName": {
        "Type": "String",
        "Default": "quickstart",
        "AllowedPattern": r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$",
        "ConstraintDescription": "1-63 letters, digits and underscores, starting with a letter",
        "Description": "Name of the database created in the PostgreSQL instance",
    },
    "RDSInstanceClass": {
        "Type": "String",
        "Default": "db.m7g.large",
        "AllowedValues": INSTANCE_CLASSES,
        "Description": "Instance class of the PostgreSQL instance (Graviton m7g, m6i, r6i or burstable t4g)",
    },
    "RDSAllocatedStorage": {
        "Type": "Number",
        "Default": 100,
        "MinValue": 20,
        "MaxValue": 65536,
        "Description": "Storage of the PostgreSQL instance in GiB (gp3)",
    },
    "RDSMultiAZ": {
        "Type": "String",
        "Default": "true",
        "AllowedValues": ["true", "false"],
        "Description": "Keep a synchronous standby in a second Availability Zone",
    },
    "RDSUsername": {
        "Type": "String",
        "Default": "pgadmin",
        "AllowedPattern": r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$",
        "ConstraintDescription": "1-63 letters, digits and underscores, starting with a letter",
        "Description": "Master user of the PostgreSQL instance; its password is generated and kept by "
        "RDS in AWS Secrets Manager",
    },
    "RDSBackupRetentionDays": {
        "Type": "Number",
        "Default": 7,
        "MinValue": 1,
        "MaxValue": 35,
        "Description": "Days automated backups of the PostgreSQL instance are kept",
    },
    "RDSDeletionProtection": {
        "Type": "String",
        "Default": "true",
        "AllowedValues": ["true", "false"],
        "Description": "Refuse to delete the PostgreSQL instance; set to false before deleting the stack",
    },
}
RDS_LABELS = {
    "RDSDatabaseName": "Database name",
    "RDSInstanceClass": "Instance class",
    "RDSAllocatedStorage": "Allocated storage (GiB)",
    "RDSMultiAZ": "Multi-AZ",
    "RDSUsername": "Master user name",
    "RDSBackupRetentionDays": "Backup retention (days)",
    "RDSDeletionProtection": "Deletion protection",
}


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse: encrypted private RDS for PostgreSQL 16 instance with a managed "
        "master password (child of modern-dw-workload)"
    )
    network = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in DATABASE_NETWORK_PARAMETERS.items()}
    monitoring_role = t.add_parameter(
        Parameter(
            "MonitoringRoleArn",
            Type="String",
            AllowedPattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
            ConstraintDescription="an IAM role ARN",
            Description="Role of RDS enhanced monitoring",
        )
    )
    params = {name: t.add_parameter(Parameter(name, **spec)) for name, spec in RDS_PARAMETERS.items()}
    interface(
        t,
        [
            ("PostgreSQL instance", list(params.values())),
            ("Network and encryption (from the workload)", [*network.values(), monitoring_role]),
        ],
        labels=RDS_LABELS,
    )
    key = Ref(network["KmsKeyArn"])

    group = t.add_resource(
        SecurityGroup(
            "RDSSecurityGroup",
            GroupDescription="PostgreSQL: port 5432 from the SQL worker and Tableau Server only",
            VpcId=Ref(network["VPCID"]),
            SecurityGroupIngress=ingress_from_clients(POSTGRES_PORT),
            # The database initiates no connection: replace the default allow-all egress by a rule
            # that matches nothing.
            SecurityGroupEgress=[
                SecurityGroupRule(IpProtocol="-1", CidrIp="127.0.0.1/32", Description="no outbound traffic")
            ],
        )
    )
    subnets = t.add_resource(
        DBSubnetGroup(
            "RDSSubnetGroup",
            DBSubnetGroupDescription="Private subnets of the PostgreSQL instance",
            SubnetIds=[Ref(network["PrivateSubnet1ID"]), Ref(network["PrivateSubnet2ID"])],
        )
    )
    parameters = t.add_resource(
        DBParameterGroup(
            "RDSParameterGroup",
            Description="TLS-only connections, connection logging",
            Family="postgres16",
            Parameters={"rds.force_ssl": "1", "log_connections": "1", "log_disconnections": "1"},
        )
    )
    instance = t.add_resource(
        DBInstance(
            "RDSInstance",
            Engine="postgres",
            EngineVersion=POSTGRES_MAJOR_VERSION,
            AutoMinorVersionUpgrade=True,
            DBInstanceClass=Ref(params["RDSInstanceClass"]),
            AllocatedStorage=Ref(params["RDSAllocatedStorage"]),
            StorageType="gp3",
            MultiAZ=Ref(params["RDSMultiAZ"]),
            DBName=Ref(params["RDSDatabaseName"]),
            MasterUsername=Ref(params["RDSUsername"]),
            ManageMasterUserPassword=True,
            MasterUserSecret=MasterUserSecret(KmsKeyId=key),
            StorageEncrypted=True,
            KmsKeyId=key,
            PubliclyAccessible=False,
            Port=str(POSTGRES_PORT),
            DBSubnetGroupName=Ref(subnets),
            VPCSecurityGroups=[Ref(group)],
            DBParameterGroupName=Ref(parameters),
            EnableIAMDatabaseAuthentication=True,
            EnableCloudwatchLogsExports=["postgresql", "upgrade"],
            EnablePerformanceInsights=True,
            PerformanceInsightsKMSKeyId=key,
            PerformanceInsightsRetentionPeriod=7,
            MonitoringInterval=60,
            MonitoringRoleArn=Ref(monitoring_role),
            BackupRetentionPeriod=Ref(params["RDSBackupRetentionDays"]),
            CopyTagsToSnapshot=True,
            DeletionProtection=Ref(params["RDSDeletionProtection"]),
            DeletionPolicy="Snapshot",
            UpdateReplacePolicy="Snapshot",
        )
    )

    accept_findings(
        instance,
        cfn_lint={
            "W3691": "EngineVersion names the major version only, which RDS accepts and resolves to its current "
            "default minor; cfn-lint's data lists every major-only value as deprecated"
        },
    )

    t.add_output(
        Output("EndpointAddress", Description="Host name of the instance", Value=GetAtt(instance, "Endpoint.Address"))
    )
    t.add_output(Output("EndpointPort", Description="Port of the instance", Value=GetAtt(instance, "Endpoint.Port")))
    t.add_output(Output("InstanceId", Description="Identifier of the instance", Value=Ref(instance)))
    t.add_output(
        Output(
            "SecretArn",
            Description="Secrets Manager secret holding the master user name and password",
            Value=GetAtt(instance, "MasterUserSecret.SecretArn"),
        )
    )
    t.add_output(Output("SecurityGroupId", Description="Security group of the instance", Value=Ref(group)))
    return t
