"""Latency-based routing with health-check failover across two regional APIs.

The DNS layer of the multi-region serverless application. Deploy
`sam-artifacts-bucket` and `helloworld-api` (with a custom domain) in each of
two regions first, then this stack once (Route 53 is global):

- `Region1HealthEndpoint` / `Region2HealthEndpoint` are each API's
  `HealthEndpointHost` output; Route 53 calls `https://<host>/prod/healthcheck`
  every 30 seconds and wants the body to contain `ok`;
- `Region1Endpoint` / `Region2Endpoint` are each API's
  `RegionalDomainTargetName` output, the CNAME targets of the two latency
  records for `MultiregionEndpoint` in `HostedZoneId`.

Clients are answered by the lower-latency region; after two failed checks
(about a minute) a region's record is withdrawn and all traffic goes to the
other. Test it by updating one `helloworld-api` stack with
`HealthStatus=fail`. Region1/Region2 were hard-coded in the original post;
here they are parameters.
"""

from troposphere import Output, Parameter, Ref, Tags, Template
from troposphere.route53 import HealthCheck, HealthCheckConfig, RecordSetType

from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

HOST_PATTERN = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"


@register
def build() -> Template:
    t = Template(
        Description="Route 53 latency records with health checks: clients reach the closest "
        "healthy region of the multi-region hello-world API"
    )
    host = {"Type": "String", "AllowedPattern": HOST_PATTERN, "ConstraintDescription": "a DNS host name"}
    params = {
        name: t.add_parameter(Parameter(name, Description=description, **host))
        for name, description in [
            ("Region1HealthEndpoint", "Execute-api host of the API in Region1 (output HealthEndpointHost)"),
            ("Region2HealthEndpoint", "Execute-api host of the API in Region2 (output HealthEndpointHost)"),
            (
                "Region1Endpoint",
                "Regional target name of the custom domain in Region1 (output RegionalDomainTargetName)",
            ),
            (
                "Region2Endpoint",
                "Regional target name of the custom domain in Region2 (output RegionalDomainTargetName)",
            ),
        ]
    }
    zone = t.add_parameter(
        Parameter(
            "HostedZoneId",
            Type="AWS::Route53::HostedZone::Id",
            Description="Hosted zone that holds MultiregionEndpoint",
        )
    )
    endpoint = t.add_parameter(
        Parameter("MultiregionEndpoint", Description="Name clients use, e.g. api.example.com", **host)
    )
    regions = [
        t.add_parameter(
            Parameter(
                name,
                Type="String",
                Default=default,
                AllowedPattern=REGION_PATTERN,
                ConstraintDescription="a region code such as us-east-1",
                Description=f"Region of the {ordinal} API deployment",
            )
        )
        for name, default, ordinal in [("Region1", "us-east-1", "first"), ("Region2", "us-west-2", "second")]
    ]
    interface(
        t,
        [
            ("Client-facing name", [zone, endpoint]),
            ("Region 1", [regions[0], params["Region1HealthEndpoint"], params["Region1Endpoint"]]),
            ("Region 2", [regions[1], params["Region2HealthEndpoint"], params["Region2Endpoint"]]),
        ],
        labels={
            "HostedZoneId": "Hosted zone",
            "MultiregionEndpoint": "Multi-region endpoint",
            "Region1": "Region",
            "Region2": "Region",
            "Region1HealthEndpoint": "Health-check host",
            "Region2HealthEndpoint": "Health-check host",
            "Region1Endpoint": "Regional domain target",
            "Region2Endpoint": "Regional domain target",
        },
    )
    for n, region in enumerate(regions, start=1):
        check = t.add_resource(
            HealthCheck(
                f"HealthcheckRegion{n}",
                HealthCheckConfig=HealthCheckConfig(
                    Type="HTTPS_STR_MATCH",
                    FullyQualifiedDomainName=Ref(params[f"Region{n}HealthEndpoint"]),
                    Port=443,
                    ResourcePath="/prod/healthcheck",
                    SearchString="ok",
                    RequestInterval=30,
                    FailureThreshold=2,
                ),
                HealthCheckTags=Tags(Name=f"hello-world-region{n}"),
            )
        )
        t.add_resource(
            RecordSetType(
                f"Region{n}EndpointRecord",
                HostedZoneId=Ref(zone),
                Name=Ref(endpoint),
                Type="CNAME",
                TTL="60",
                ResourceRecords=[Ref(params[f"Region{n}Endpoint"])],
                SetIdentifier=f"endpoint-region{n}",
                Region=Ref(region),
                HealthCheckId=Ref(check),
            )
        )
        t.add_output(Output(f"HealthcheckRegion{n}Id", Description=f"Health check of Region{n}", Value=Ref(check)))
    t.add_output(Output("MultiregionEndpoint", Description="Name clients use", Value=Ref(endpoint)))
    return t
