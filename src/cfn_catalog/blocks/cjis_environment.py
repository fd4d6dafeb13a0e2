"""Pieces shared by the `cjis-*` templates: common parameters and the three-tier VPC."""

from __future__ import annotations

from dataclasses import dataclass, field

from troposphere import Cidr, GetAZs, Join, Output, Parameter, Ref, Select, Sub, Tags, Template
from troposphere.cloudwatch import Alarm, MetricDimension
from troposphere.ec2 import (
    NetworkAcl,
    NetworkAclEntry,
    PortRange,
    RouteTable,
    Subnet,
    SubnetNetworkAclAssociation,
    SubnetRouteTableAssociation,
)

from cfn_catalog.blocks.logs import log_group
from cfn_catalog.blocks.vpc import Network, vpc
from cfn_catalog.cjis import controls

# Tag on every instance of the environment; Session Manager access is granted by it.
ENVIRONMENT_TAG = "cjis-environment"
# Key prefix of load balancer access logs in the access-log bucket.
ALB_LOG_PREFIX = "alb"
ENVIRONMENT_PATTERN = r"^[a-z][a-z0-9-]{1,30}$"
# CloudWatch Logs retention values of at least one year (CJIS 5.4.7 keeps audit records >= 1 year).
RETENTION_DAYS = [365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
CIDR16_PATTERN = r"^(10|172|192)\.(\d{1,3})\.0\.0/16$"
KMS_KEY_ARN_PATTERN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"
TOPIC_ARN_PATTERN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"
BUCKET_PATTERN = r"^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
# Subnets are /20 blocks of the /16: public 0-1, application 2-3, data 4-5.
SUBNET_COUNT = 6
SUBNET_BITS = 12
EPHEMERAL_PORTS = (1024, 65535)


def environment_parameter(t: Template) -> Parameter:
    return t.add_parameter(
        Parameter(
            "EnvironmentName",
            Type="String",
            Default="cjis",
            AllowedPattern=ENVIRONMENT_PATTERN,
            ConstraintDescription="2-31 lowercase letters, digits and hyphens, starting with a letter",
            Description="Short name of the environment, used in names and tags",
        )
    )


def audit_log_group(t: Template, name: str, *, retention: object, kms_key_arn: object, **kwargs) -> object:
    """A KMS-encrypted log group of audit records, kept when the stack goes (CJIS 5.4.7 retention)."""
    group = log_group(t, name, retention_days=retention, kms_key_arn=kms_key_arn, **kwargs)
    group.DeletionPolicy = "Retain"
    group.UpdateReplacePolicy = "Retain"
    return controls(group, "5.4")


def switch_parameter(t: Template, name: str, description: str, default: str = "true") -> Parameter:
    """A "true"/"false" parameter."""
    return t.add_parameter(
        Parameter(name, Type="String", Default=default, AllowedValues=["true", "false"], Description=description)
    )


def retention_parameter(t: Template, name: str = "LogRetentionDays") -> Parameter:
    return t.add_parameter(
        Parameter(
            name,
            Type="Number",
            Default=365,
            AllowedValues=RETENTION_DAYS,
            Description="Days CloudWatch Logs keep audit logs (CJIS asks for at least one year)",
        )
    )


def kms_key_arn_parameter(t: Template, name: str, description: str) -> Parameter:
    return t.add_parameter(
        Parameter(
            name,
            Type="String",
            AllowedPattern=KMS_KEY_ARN_PATTERN,
            ConstraintDescription="a KMS key ARN",
            Description=description,
        )
    )


def topic_arn_parameter(t: Template) -> Parameter:
    return t.add_parameter(
        Parameter(
            "AlarmTopicArn",
            Type="String",
            AllowedPattern=TOPIC_ARN_PATTERN,
            ConstraintDescription="an SNS topic ARN",
            Description="SNS topic the alarms notify (cjis-logging output AlarmTopicArn)",
        )
    )


def vpc_cidr_parameter(t: Template, name: str, default: str, description: str) -> Parameter:
    return t.add_parameter(
        Parameter(
            name,
            Type="String",
            Default=default,
            AllowedPattern=CIDR16_PATTERN,
            ConstraintDescription="a private /16 such as 10.20.0.0/16",
            Description=description,
        )
    )


def database_port_parameter(t: Template) -> Parameter:
    return t.add_parameter(
        Parameter(
            "DatabasePort",
            Type="Number",
            Default=5432,
            MinValue=1150,
            MaxValue=65535,
            Description="TCP port of the database (5432 PostgreSQL, 3306 MySQL)",
        )
    )


def alarm(
    t: Template,
    name: str,
    *,
    topic: Parameter,
    description: str,
    namespace: str,
    metric: str,
    dimensions: dict,
    statistic: str,
    threshold: float,
    comparison: str = "GreaterThanOrEqualToThreshold",
    periods: int = 1,
    period: int = 300,
) -> Alarm:
    """A CloudWatch alarm that notifies the environment's topic when it fires and when it clears."""
    return controls(
        t.add_resource(
            Alarm(
                name,
                AlarmDescription=description,
                Namespace=namespace,
                MetricName=metric,
                Dimensions=[MetricDimension(Name=k, Value=v) for k, v in dimensions.items()],
                Statistic=statistic,
                Period=period,
                EvaluationPeriods=periods,
                Threshold=threshold,
                ComparisonOperator=comparison,
                TreatMissingData="notBreaching",
                AlarmActions=[Ref(topic)],
                OKActions=[Ref(topic)],
            )
        ),
        "5.4",
    )


def subnet_cidr(cidr: Parameter, index: int) -> Select:
    return Select(index, Cidr(Ref(cidr), SUBNET_COUNT, SUBNET_BITS))


@dataclass
class TieredVpc:
    """A VPC over two AZs: public, private application and private data subnets."""

    network: Network
    cidr: Parameter
    data_subnets: list[Subnet] = field(default_factory=list)
    data_route_table: RouteTable | None = None

    @property
    def app_route_tables(self) -> list[RouteTable]:
        return self.network.private_route_tables

    @property
    def peering_route_tables(self) -> list[RouteTable]:
        """Tables of the tiers that talk to the peer VPC: application and data, never public."""
        return [*self.app_route_tables, self.data_route_table]


def tiered_vpc(t: Template, *, role: str, default_cidr: str) -> tuple[TieredVpc, list[Parameter]]:
    """The VPC of one side of the environment (`role` is management or production).

    Declares its parameters and outputs; returns the network and the
    parameters (for the caller's interface groups).
    """
    environment = environment_parameter(t)
    cidr = vpc_cidr_parameter(t, "VpcCidr", default_cidr, f"CIDR block of the {role} VPC (a /16)")
    port = database_port_parameter(t)
    key = kms_key_arn_parameter(t, "LogKmsKeyArn", "KMS key encrypting the flow log group (cjis-logging LogKmsKeyArn)")
    retention = retention_parameter(t, "FlowLogRetentionDays")

    network = vpc(
        t,
        cidr=Ref(cidr),
        public_cidrs=[subnet_cidr(cidr, 0), subnet_cidr(cidr, 1)],
        private_cidrs=[subnet_cidr(cidr, 2), subnet_cidr(cidr, 3)],
        nat="per-az",
        flow_log_retention_days=Ref(retention),
        name_tag=Sub(f"${{EnvironmentName}}-{role}"),
        gateway_endpoints=["s3"],
        # audit records of a CJIS environment: the customer key, kept after the stack
        flow_log_kms_key_arn=Ref(key),
        retain_flow_logs=True,
    )
    controls(network.vpc, "5.10")
    controls(network.flow_log_group, "5.4", "5.10")
    controls(network.flow_log, "5.4", "5.10")
    tiers = TieredVpc(network=network, cidr=cidr)
    _data_tier(t, tiers, port, role)

    t.add_output(Output("VpcId", Description=f"Id of the {role} VPC", Value=Ref(network.vpc)))
    t.add_output(Output("VpcCidr", Description=f"CIDR block of the {role} VPC", Value=Ref(cidr)))
    for name, description, subnets in (
        ("PublicSubnetIds", "Public subnets (load balancers, NAT gateways)", network.public_subnets),
        ("AppSubnetIds", "Private application subnets (web and application tiers)", network.private_subnets),
        ("DataSubnetIds", "Private data subnets (databases)", tiers.data_subnets),
    ):
        t.add_output(Output(name, Description=description, Value=Join(",", [Ref(s) for s in subnets])))
    t.add_output(
        Output(
            "PeeringRouteTableIds",
            Description="Route tables of the application and data tiers (routes to the peer VPC go here)",
            Value=Join(",", [Ref(table) for table in tiers.peering_route_tables]),
        )
    )
    t.add_output(Output("DataNetworkAclId", Description="Network ACL of the data subnets", Value=Ref("DataNetworkAcl")))
    return tiers, [environment, cidr, port, key, retention]


def _data_tier(t: Template, tiers: TieredVpc, port: Parameter, role: str) -> None:
    vpc_ref = Ref(tiers.network.vpc)
    tiers.data_route_table = t.add_resource(
        RouteTable("DataRouteTable", VpcId=vpc_ref, Tags=Tags(Name=Sub(f"${{EnvironmentName}}-{role}-data")))
    )
    acl = controls(
        t.add_resource(
            NetworkAcl("DataNetworkAcl", VpcId=vpc_ref, Tags=Tags(Name=Sub(f"${{EnvironmentName}}-{role}-data")))
        ),
        "5.10",
    )
    for i in (1, 2):
        subnet = t.add_resource(
            Subnet(
                f"DataSubnet{i}",
                VpcId=vpc_ref,
                CidrBlock=subnet_cidr(tiers.cidr, 3 + i),
                AvailabilityZone=Select(i - 1, GetAZs("")),
                MapPublicIpOnLaunch=False,
                Tags=Tags(Name=Sub(f"${{EnvironmentName}}-{role}-data-{i}")),
            )
        )
        tiers.data_subnets.append(subnet)
        t.add_resource(
            SubnetRouteTableAssociation(
                f"DataSubnet{i}RouteTableAssociation", SubnetId=Ref(subnet), RouteTableId=Ref(tiers.data_route_table)
            )
        )
        t.add_resource(
            SubnetNetworkAclAssociation(
                f"DataSubnet{i}NetworkAclAssociation", SubnetId=Ref(subnet), NetworkAclId=Ref(acl)
            )
        )
    # Only the application subnets reach the database port; replies go back to
    # their ephemeral ports. Everything else is denied by the ACL's final rule.
    for i in (1, 2):
        app_cidr = subnet_cidr(tiers.cidr, 1 + i)
        t.add_resource(
            NetworkAclEntry(
                f"DataAclInboundFromApp{i}",
                NetworkAclId=Ref(acl),
                RuleNumber=100 + 10 * (i - 1),
                Protocol=6,
                RuleAction="allow",
                Egress=False,
                CidrBlock=app_cidr,
                PortRange=PortRange(From=Ref(port), To=Ref(port)),
            )
        )
        t.add_resource(
            NetworkAclEntry(
                f"DataAclOutboundToApp{i}",
                NetworkAclId=Ref(acl),
                RuleNumber=100 + 10 * (i - 1),
                Protocol=6,
                RuleAction="allow",
                Egress=True,
                CidrBlock=app_cidr,
                PortRange=PortRange(From=EPHEMERAL_PORTS[0], To=EPHEMERAL_PORTS[1]),
            )
        )
