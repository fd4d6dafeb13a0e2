"""Database of the CJIS reference environment (child of `cjis-reference`).

An Amazon RDS instance (PostgreSQL 16 or MySQL 8.4, kept on the current
minor version by automatic minor upgrades) for the application tier:

- Multi-AZ, in the private data subnets, not publicly accessible; its
  security group admits only the application tier's group on the database
  port, and the data subnets' network ACL only the application subnets;
- storage, automated backups, Performance Insights and the master password
  encrypted with a dedicated customer-managed KMS key (rotation on);
- no password in the template: RDS generates the master password and keeps
  it in AWS Secrets Manager (ManageMasterUserPassword), encrypted with that
  key; IAM database authentication is on, so applications can connect with
  short-lived tokens instead of stored passwords;
- TLS required by the parameter group (rds.force_ssl / require_secure_transport);
- connection and DDL/role auditing (pgaudit on PostgreSQL, the MariaDB audit
  plugin on MySQL) exported to CloudWatch Logs with the engine logs. For
  PostgreSQL, run `CREATE EXTENSION pgaudit;` once in the database;
- backups kept BackupRetentionDays, deletion protection, a final snapshot on
  delete or replacement, optional enhanced monitoring, and alarms on CPU and
  free storage.

MySQL is 8.4 (the long-term-support release) unless DatabaseMysqlVersion
asks for 8.0, which enters RDS Extended Support, charged per vCPU-hour, after
2026-07-31; choose it only for an existing 8.0 database you have not yet
tested on 8.4. The version sets the parameter group family (mysql8.4 or
mysql8.0) and the audit option group's major version. The settings are the
same on both: `require_secure_transport`, `tls_version` and
`slow_query_log` exist in 8.4, and the RDS option `MARIADB_AUDIT_PLUGIN` is
documented for all MySQL 8.4 versions (and 8.0.28 and later), with the same
SERVER_AUDIT_EVENTS values, so the audit log and its export to CloudWatch
Logs (`audit`) are unchanged. Moving a stack from 8.0 to 8.4 is an in-place
major version upgrade (AllowMajorVersionUpgrade is set; the parameter and
option groups are replaced): take a snapshot and test first.

RDS creates the exported log groups itself (never-expiring, service-managed
encryption); set their retention after the first deployment if needed.
"""

from troposphere import Equals, GetAtt, If, Not, Output, Parameter, Ref, Sub, Template
from troposphere.ec2 import SecurityGroup, SecurityGroupEgress, SecurityGroupRule
from troposphere.rds import (
    DBInstance,
    DBParameterGroup,
    DBSubnetGroup,
    MasterUserSecret,
    OptionConfiguration,
    OptionGroup,
    OptionSetting,
)

from cfn_catalog.blocks.cjis_environment import alarm, topic_arn_parameter
from cfn_catalog.blocks.iam import managed_policy_arn, service_role
from cfn_catalog.blocks.kms import kms_key
from cfn_catalog.blocks.metadata import interface
from cfn_catalog.cjis import controls
from cfn_catalog.registry import register

# Major versions: RDS picks the current minor version at creation and
# AutoMinorVersionUpgrade keeps it current.
ENGINES = {
    "postgres": {
        "version": "16",
        "family": "postgres16",
        "port": 5432,
        "logs": ["postgresql", "upgrade"],
        "parameters": {
            "rds.force_ssl": "1",
            "log_connections": "1",
            "log_disconnections": "1",
            "shared_preload_libraries": "pgaudit,pg_stat_statements",
            "pgaudit.log": "ddl,role",
        },
    },
    "mysql": {
        # The major version is the DatabaseMysqlVersion parameter (MYSQL_VERSIONS, the first the default).
        "version": Ref("DatabaseMysqlVersion"),
        "family": Sub("mysql${DatabaseMysqlVersion}"),
        "port": 3306,
        "logs": ["audit", "error", "slowquery"],
        "parameters": {"require_secure_transport": "ON", "tls_version": "TLSv1.2,TLSv1.3", "slow_query_log": "1"},
    },
}
# 8.4 is the long-term-support release; 8.0 is in RDS Extended Support (charged) after 2026-07-31.
MYSQL_VERSIONS = ["8.4", "8.0"]
INSTANCE_CLASSES = [
    "db.t4g.large",
    "db.m7g.large",
    "db.m7g.xlarge",
    "db.m7g.2xlarge",
    "db.r7g.large",
    "db.r7g.xlarge",
    "db.r7g.2xlarge",
]
MYSQL_AUDIT_EVENTS = "CONNECT,QUERY_DDL,QUERY_DCL"
LOW_STORAGE_BYTES = 10 * 1024**3


def _pick(postgres: object, mysql: object) -> If:
    return If("IsPostgres", postgres, mysql)


def _engine(key: str) -> If:
    return _pick(ENGINES["postgres"][key], ENGINES["mysql"][key])


def engine_parameters(t: Template) -> dict[str, Parameter]:
    """The database parameters, shared with the root that passes them down."""
    p: dict[str, Parameter] = {}
    p["DatabaseEngine"] = t.add_parameter(
        Parameter(
            "DatabaseEngine",
            Type="String",
            Default="postgres",
            AllowedValues=list(ENGINES),
            Description="Database engine: PostgreSQL 16 or MySQL (DatabaseMysqlVersion), current minor version",
        )
    )
    p["DatabaseMysqlVersion"] = t.add_parameter(
        Parameter(
            "DatabaseMysqlVersion",
            Type="String",
            Default=MYSQL_VERSIONS[0],
            AllowedValues=MYSQL_VERSIONS,
            Description="MySQL major version when DatabaseEngine is mysql: 8.4 (long-term support) or 8.0 "
            "(RDS Extended Support, charged, after 2026-07-31); changing 8.0 to 8.4 upgrades in place",
        )
    )
    p["DatabaseInstanceClass"] = t.add_parameter(
        Parameter(
            "DatabaseInstanceClass",
            Type="String",
            Default="db.m7g.large",
            AllowedValues=INSTANCE_CLASSES,
            Description="Instance class of the database (Graviton)",
        )
    )
    p["DatabaseAllocatedStorage"] = t.add_parameter(
        Parameter(
            "DatabaseAllocatedStorage",
            Type="Number",
            Default=100,
            MinValue=20,
            MaxValue=16384,
            Description="Storage of the database in GiB (gp3)",
        )
    )
    p["DatabaseName"] = t.add_parameter(
        Parameter(
            "DatabaseName",
            Type="String",
            Default="cjis",
            AllowedPattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$",
            ConstraintDescription="a letter, then up to 62 letters, digits or underscores",
            Description="Name of the database created on the instance",
        )
    )
    p["DatabaseMasterUsername"] = t.add_parameter(
        Parameter(
            "DatabaseMasterUsername",
            Type="String",
            Default="cjisadmin",
            AllowedPattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$",
            ConstraintDescription="a letter, then up to 15 letters, digits or underscores",
            Description="Master user name; its password is generated and kept in Secrets Manager",
        )
    )
    p["DatabaseBackupRetentionDays"] = t.add_parameter(
        Parameter(
            "DatabaseBackupRetentionDays",
            Type="Number",
            Default=30,
            MinValue=7,
            MaxValue=35,
            Description="Days automated backups are kept",
        )
    )
    p["DatabaseMonitoringInterval"] = t.add_parameter(
        Parameter(
            "DatabaseMonitoringInterval",
            Type="Number",
            Default=60,
            AllowedValues=[0, 1, 5, 10, 15, 30, 60],
            Description="Seconds between enhanced monitoring samples; 0 turns enhanced monitoring off",
        )
    )
    return p


ENGINE_LABELS = {
    "DatabaseEngine": "Engine",
    "DatabaseMysqlVersion": "MySQL version",
    "DatabaseInstanceClass": "Instance class",
    "DatabaseAllocatedStorage": "Storage (GiB)",
    "DatabaseName": "Database name",
    "DatabaseMasterUsername": "Master user name",
    "DatabaseBackupRetentionDays": "Backup retention (days)",
    "DatabaseMonitoringInterval": "Enhanced monitoring interval (s)",
}


def _parameters(t: Template) -> dict[str, Parameter]:
    p: dict[str, Parameter] = {}
    p["VpcId"] = t.add_parameter(
        Parameter("VpcId", Type="AWS::EC2::VPC::Id", Description="Production VPC (cjis-production-vpc VpcId)")
    )
    p["DataSubnetIds"] = t.add_parameter(
        Parameter(
            "DataSubnetIds",
            Type="List<AWS::EC2::Subnet::Id>",
            Description="Private data subnets in two AZs (cjis-production-vpc DataSubnetIds)",
        )
    )
    p["AppSecurityGroupId"] = t.add_parameter(
        Parameter(
            "AppSecurityGroupId",
            Type="AWS::EC2::SecurityGroup::Id",
            Description="Security group of the application tier, the only client (cjis-application AppSecurityGroupId)",
        )
    )
    p.update(engine_parameters(t))
    p["DeletionProtection"] = t.add_parameter(
        Parameter(
            "DeletionProtection",
            Type="String",
            Default="true",
            AllowedValues=["true", "false"],
            Description="Protect the database from deletion (set false before deleting the stack)",
        )
    )
    p["AlarmTopicArn"] = topic_arn_parameter(t)
    interface(
        t,
        [
            ("Network", [p["VpcId"], p["DataSubnetIds"], p["AppSecurityGroupId"]]),
            ("Database", [p[name] for name in ENGINE_LABELS] + [p["DeletionProtection"]]),
            ("Alarms", [p["AlarmTopicArn"]]),
        ],
        labels={
            "VpcId": "VPC",
            "DataSubnetIds": "Data subnets",
            "AppSecurityGroupId": "Application security group",
            "DeletionProtection": "Deletion protection",
            "AlarmTopicArn": "Alarm topic ARN",
            **ENGINE_LABELS,
        },
    )
    t.add_condition("IsPostgres", Equals(Ref(p["DatabaseEngine"]), "postgres"))
    t.add_condition("IsMysql", Equals(Ref(p["DatabaseEngine"]), "mysql"))
    t.add_condition("HasEnhancedMonitoring", Not(Equals(Ref(p["DatabaseMonitoringInterval"]), 0)))
    return p


def _network(t: Template, p: dict):
    port = _engine("port")
    group = t.add_resource(
        SecurityGroup(
            "DatabaseSecurityGroup",
            GroupDescription="Database: the application tier only, on the database port",
            VpcId=Ref(p["VpcId"]),
            SecurityGroupIngress=[
                SecurityGroupRule(
                    IpProtocol="tcp",
                    FromPort=port,
                    ToPort=port,
                    SourceSecurityGroupId=Ref(p["AppSecurityGroupId"]),
                    Description="Database connections from the application tier",
                )
            ],
            # Replaces the default allow-all egress: the database starts no connections.
            SecurityGroupEgress=[
                SecurityGroupRule(IpProtocol="-1", CidrIp="127.0.0.1/32", Description="No outbound traffic")
            ],
        )
    )
    controls(group, "5.5", "5.10")
    controls(
        t.add_resource(
            SecurityGroupEgress(
                "AppToDatabaseEgress",
                GroupId=Ref(p["AppSecurityGroupId"]),
                IpProtocol="tcp",
                FromPort=port,
                ToPort=port,
                DestinationSecurityGroupId=Ref(group),
                Description="Application tier to the database",
            )
        ),
        "5.10",
    )
    subnets = t.add_resource(
        DBSubnetGroup(
            "DatabaseSubnetGroup",
            DBSubnetGroupDescription="Private data subnets of the CJIS environment",
            SubnetIds=Ref(p["DataSubnetIds"]),
        )
    )
    return group, subnets


def _configuration(t: Template):
    parameters = t.add_resource(
        DBParameterGroup(
            "DatabaseParameterGroup",
            Description="CJIS environment: TLS required, connections and DDL/role changes audited",
            Family=_engine("family"),
            Parameters=_engine("parameters"),
        )
    )
    controls(parameters, "5.4", "5.10")
    options = t.add_resource(
        OptionGroup(
            "DatabaseAuditOptionGroup",
            Condition="IsMysql",
            EngineName="mysql",
            MajorEngineVersion=Ref("DatabaseMysqlVersion"),
            OptionGroupDescription="CJIS environment: MariaDB audit plugin (connections, DDL, DCL)",
            OptionConfigurations=[
                OptionConfiguration(
                    OptionName="MARIADB_AUDIT_PLUGIN",
                    OptionSettings=[OptionSetting(Name="SERVER_AUDIT_EVENTS", Value=MYSQL_AUDIT_EVENTS)],
                )
            ],
        )
    )
    controls(options, "5.4")
    return parameters, options


@register
def build() -> Template:
    t = Template(
        Description="CJIS reference environment - database: encrypted Multi-AZ RDS (PostgreSQL 16 or MySQL 8.4), "
        "private, TLS-only, IAM auth, generated secret, audit logs, alarms"
    )
    p = _parameters(t)
    group, subnets = _network(t, p)
    parameters, options = _configuration(t)
    key = controls(
        kms_key(t, "DatabaseKey", description="Encrypts the CJIS environment's database, its backups and secret"),
        "5.10",
    )
    monitoring_role = service_role(
        t,
        "DatabaseMonitoringRole",
        service="monitoring.rds.amazonaws.com",
        managed_policy_arns=[managed_policy_arn("service-role/AmazonRDSEnhancedMonitoringRole")],
        description="Lets RDS publish enhanced monitoring metrics",
        condition="HasEnhancedMonitoring",
    )
    key_arn = GetAtt(key, "Arn")
    database = t.add_resource(
        DBInstance(
            "Database",
            DeletionPolicy="Snapshot",
            UpdateReplacePolicy="Snapshot",
            Engine=Ref(p["DatabaseEngine"]),
            EngineVersion=_engine("version"),
            AutoMinorVersionUpgrade=True,
            AllowMajorVersionUpgrade=True,
            DBInstanceClass=Ref(p["DatabaseInstanceClass"]),
            AllocatedStorage=Ref(p["DatabaseAllocatedStorage"]),
            StorageType="gp3",
            StorageEncrypted=True,
            KmsKeyId=key_arn,
            MultiAZ=True,
            PubliclyAccessible=False,
            DBSubnetGroupName=Ref(subnets),
            VPCSecurityGroups=[Ref(group)],
            Port=_engine("port"),
            DBName=Ref(p["DatabaseName"]),
            MasterUsername=Ref(p["DatabaseMasterUsername"]),
            ManageMasterUserPassword=True,
            MasterUserSecret=MasterUserSecret(KmsKeyId=key_arn),
            EnableIAMDatabaseAuthentication=True,
            CACertificateIdentifier="rds-ca-rsa2048-g1",
            DBParameterGroupName=Ref(parameters),
            OptionGroupName=If("IsMysql", Ref(options), Ref("AWS::NoValue")),
            EnableCloudwatchLogsExports=_engine("logs"),
            BackupRetentionPeriod=Ref(p["DatabaseBackupRetentionDays"]),
            CopyTagsToSnapshot=True,
            DeletionProtection=Ref(p["DeletionProtection"]),
            EnablePerformanceInsights=True,
            PerformanceInsightsKMSKeyId=key_arn,
            PerformanceInsightsRetentionPeriod=7,
            MonitoringInterval=Ref(p["DatabaseMonitoringInterval"]),
            MonitoringRoleArn=If("HasEnhancedMonitoring", GetAtt(monitoring_role, "Arn"), Ref("AWS::NoValue")),
        )
    )
    controls(database, "5.4", "5.5", "5.6", "5.10")
    instance = {"DBInstanceIdentifier": Ref(database)}
    alarm(
        t,
        "DatabaseCpuHighAlarm",
        topic=p["AlarmTopicArn"],
        description="The database has run above 80% CPU for 15 minutes",
        namespace="AWS/RDS",
        metric="CPUUtilization",
        dimensions=instance,
        statistic="Average",
        threshold=80,
        periods=3,
    )
    alarm(
        t,
        "DatabaseStorageLowAlarm",
        topic=p["AlarmTopicArn"],
        description="The database has less than 10 GiB of free storage",
        namespace="AWS/RDS",
        metric="FreeStorageSpace",
        dimensions=instance,
        statistic="Minimum",
        threshold=LOW_STORAGE_BYTES,
        comparison="LessThanOrEqualToThreshold",
    )
    for name, description, value in (
        ("DatabaseEndpoint", "Host name of the database", GetAtt(database, "Endpoint.Address")),
        ("DatabasePort", "Port of the database", GetAtt(database, "Endpoint.Port")),
        (
            "DatabaseSecretArn",
            "Secrets Manager secret with the master credentials",
            GetAtt(database, "MasterUserSecret.SecretArn"),
        ),
        ("DatabaseKmsKeyArn", "KMS key of the database", key_arn),
        ("DatabaseSecurityGroupId", "Security group of the database", Ref(group)),
    ):
        t.add_output(Output(name, Description=description, Value=value))
    return t
