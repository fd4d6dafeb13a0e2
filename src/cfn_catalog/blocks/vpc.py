"""VPCs: public and private subnets across Availability Zones, NAT, flow logs.

AZs are picked with `!Select [i, !GetAZs '']`, never named, so a template
deploys in any region with enough zones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from awacs.aws import Allow, Statement
from awacs.logs import CreateLogStream, DescribeLogStreams, PutLogEvents
from troposphere import GetAtt, GetAZs, Ref, Select, Sub, Tags, Template
from troposphere.ec2 import (
    EIP,
    VPC,
    FlowLog,
    InternetGateway,
    NatGateway,
    Route,
    RouteTable,
    Subnet,
    SubnetRouteTableAssociation,
    VPCEndpoint,
    VPCGatewayAttachment,
)

from cfn_catalog.blocks.iam import service_role
from cfn_catalog.blocks.logs import log_group

ENDPOINT_IDS = {"s3": "S3", "dynamodb": "DynamoDB"}


@dataclass
class Network:
    """What `vpc()` created, for callers to reference."""

    vpc: VPC
    public_subnets: list[Subnet] = field(default_factory=list)
    private_subnets: list[Subnet] = field(default_factory=list)
    public_route_table: RouteTable | None = None
    private_route_tables: list[RouteTable] = field(default_factory=list)
    internet_gateway: VPCGatewayAttachment | None = None
    nat_gateways: list[NatGateway] = field(default_factory=list)
    flow_log_group: object = None
    flow_log: FlowLog | None = None
    # Routes, route-table associations and endpoints: what to DependsOn before using the network.
    routing: list = field(default_factory=list)


def _subnets(t, prefix, kind, network, cidrs, tags_name):
    subnets = []
    for i, cidr in enumerate(cidrs, start=1):
        subnets.append(
            t.add_resource(
                Subnet(
                    f"{prefix}{kind}Subnet{i}",
                    VpcId=Ref(network.vpc),
                    CidrBlock=cidr,
                    AvailabilityZone=Select(i - 1, GetAZs("")),
                    MapPublicIpOnLaunch=False,
                    Tags=Tags(Name=tags_name(f"{kind.lower()}-{i}")),
                )
            )
        )
    return subnets


def vpc(
    t: Template,
    prefix: str = "",
    *,
    cidr: object,
    public_cidrs: Sequence[object] = (),
    private_cidrs: Sequence[object] = (),
    nat: str = "per-az",
    flow_log_retention_days: object = 90,
    name_tag: object = None,
    gateway_endpoints: Sequence[str] = (),
    flow_log_kms_key_arn: object = None,
    retain_flow_logs: bool = False,
) -> Network:
    """A VPC with one public and/or private subnet per CIDR, one AZ each.

    `nat` is "per-az" (a NAT gateway per public subnet, each private subnet
    routed through the one in its AZ), "single" or "none". Flow logs of all
    traffic go to a log group. `gateway_endpoints` ("s3", "dynamodb") are
    attached to the private route tables. Flow logs are encrypted with
    `flow_log_kms_key_arn` when given and kept after the stack with
    `retain_flow_logs` (audit environments).
    """

    existing = set(t.resources)

    def tag(suffix: str):
        if name_tag is None:
            return Sub(f"${{AWS::StackName}}-{suffix}")
        return Sub(f"${{Name}}-{suffix}", Name=name_tag)

    network = Network(
        vpc=t.add_resource(
            VPC(
                f"{prefix}VPC",
                CidrBlock=cidr,
                EnableDnsHostnames=True,
                EnableDnsSupport=True,
                Tags=Tags(Name=tag("vpc")),
            )
        )
    )
    flow_group = log_group(
        t,
        f"{prefix}FlowLogGroup",
        retention_days=flow_log_retention_days,
        kms_key_arn=flow_log_kms_key_arn,
        retain=retain_flow_logs,
    )
    network.flow_log_group = flow_group
    flow_role = service_role(
        t,
        f"{prefix}FlowLogRole",
        service="vpc-flow-logs.amazonaws.com",
        statements=[
            Statement(
                Effect=Allow,
                Action=[CreateLogStream, PutLogEvents, DescribeLogStreams],
                Resource=[GetAtt(flow_group, "Arn")],
            )
        ],
    )
    network.flow_log = t.add_resource(
        FlowLog(
            f"{prefix}FlowLog",
            ResourceId=Ref(network.vpc),
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=Ref(flow_group),
            DeliverLogsPermissionArn=GetAtt(flow_role, "Arn"),
        )
    )
    if public_cidrs:
        igw = t.add_resource(InternetGateway(f"{prefix}InternetGateway", Tags=Tags(Name=tag("igw"))))
        network.internet_gateway = t.add_resource(
            VPCGatewayAttachment(f"{prefix}GatewayAttachment", VpcId=Ref(network.vpc), InternetGatewayId=Ref(igw))
        )
        network.public_route_table = t.add_resource(
            RouteTable(f"{prefix}PublicRouteTable", VpcId=Ref(network.vpc), Tags=Tags(Name=tag("public")))
        )
        t.add_resource(
            Route(
                f"{prefix}PublicDefaultRoute",
                DependsOn=[network.internet_gateway.title],
                RouteTableId=Ref(network.public_route_table),
                DestinationCidrBlock="0.0.0.0/0",
                GatewayId=Ref(igw),
            )
        )
        network.public_subnets = _subnets(t, prefix, "Public", network, public_cidrs, tag)
        for i, subnet in enumerate(network.public_subnets, start=1):
            t.add_resource(
                SubnetRouteTableAssociation(
                    f"{prefix}PublicSubnet{i}RouteTableAssociation",
                    SubnetId=Ref(subnet),
                    RouteTableId=Ref(network.public_route_table),
                )
            )
    if private_cidrs:
        network.private_subnets = _subnets(t, prefix, "Private", network, private_cidrs, tag)
        nat_count = {"per-az": len(network.public_subnets), "single": 1, "none": 0}[nat]
        if nat_count and not network.public_subnets:
            raise ValueError("NAT gateways need public subnets")
        for i in range(1, nat_count + 1):
            eip = t.add_resource(
                EIP(f"{prefix}NatGateway{i}EIP", Domain="vpc", DependsOn=[network.internet_gateway.title])
            )
            network.nat_gateways.append(
                t.add_resource(
                    NatGateway(
                        f"{prefix}NatGateway{i}",
                        AllocationId=GetAtt(eip, "AllocationId"),
                        SubnetId=Ref(network.public_subnets[i - 1]),
                        Tags=Tags(Name=tag(f"nat-{i}")),
                    )
                )
            )
        for i, subnet in enumerate(network.private_subnets, start=1):
            table = t.add_resource(
                RouteTable(f"{prefix}PrivateRouteTable{i}", VpcId=Ref(network.vpc), Tags=Tags(Name=tag(f"private-{i}")))
            )
            network.private_route_tables.append(table)
            if network.nat_gateways:
                nat_gateway = network.nat_gateways[min(i, len(network.nat_gateways)) - 1]
                t.add_resource(
                    Route(
                        f"{prefix}PrivateRouteTable{i}DefaultRoute",
                        RouteTableId=Ref(table),
                        DestinationCidrBlock="0.0.0.0/0",
                        NatGatewayId=Ref(nat_gateway),
                    )
                )
            t.add_resource(
                SubnetRouteTableAssociation(
                    f"{prefix}PrivateSubnet{i}RouteTableAssociation", SubnetId=Ref(subnet), RouteTableId=Ref(table)
                )
            )
    for service in gateway_endpoints:
        tables = network.private_route_tables or [network.public_route_table]
        t.add_resource(
            VPCEndpoint(
                f"{prefix}{ENDPOINT_IDS[service]}GatewayEndpoint",
                VpcId=Ref(network.vpc),
                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                VpcEndpointType="Gateway",
                RouteTableIds=[Ref(table) for table in tables],
            )
        )
    network.routing = [
        resource
        for name, resource in t.resources.items()
        if name not in existing and isinstance(resource, (Route, SubnetRouteTableAssociation, VPCEndpoint))
    ]
    return network


def service_endpoints(
    t: Template,
    prefix: str,
    *,
    vpc_id: object,
    interface_services: Sequence[str] = (),
    subnet_ids: object = (),
    security_group_ids: object = (),
    gateway_services: Sequence[str] = (),
    route_table_ids: object = (),
    interface_condition: str | None = None,
    gateway_condition: str | None = None,
) -> list[VPCEndpoint]:
    """Endpoints in an existing VPC so private subnets without NAT reach AWS services.

    Interface endpoints (`interface_services`, e.g. "glue", "logs") get private
    DNS, so the usual service host names resolve to them (the VPC needs DNS
    support and DNS host names; creating one fails if the VPC already has an
    endpoint with private DNS for that service). `security_group_ids` must admit
    HTTPS from the clients. Gateway endpoints ("s3", "dynamodb") are added to
    `route_table_ids`. Each kind exists only under its condition, if given.
    """
    endpoints = []
    for service in interface_services:
        endpoint = VPCEndpoint(
            f"{prefix}{service.title().replace('-', '')}InterfaceEndpoint",
            VpcId=vpc_id,
            ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
            VpcEndpointType="Interface",
            PrivateDnsEnabled=True,
            SubnetIds=subnet_ids,
            SecurityGroupIds=security_group_ids,
        )
        if interface_condition:
            endpoint.Condition = interface_condition
        endpoints.append(t.add_resource(endpoint))
    for service in gateway_services:
        endpoint = VPCEndpoint(
            f"{prefix}{ENDPOINT_IDS[service]}GatewayEndpoint",
            VpcId=vpc_id,
            ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
            VpcEndpointType="Gateway",
            RouteTableIds=route_table_ids,
        )
        if gateway_condition:
            endpoint.Condition = gateway_condition
        endpoints.append(t.add_resource(endpoint))
    return endpoints
