"""Route 53 names of the modern data warehouse (child of `modern-dw-workload`).

The workload adds this stack only when HostedZoneName is set. It creates four
records in that zone, all pointing at private addresses, so a private hosted
zone associated with the VPC is the natural home (a public zone works too but
publishes private addresses):

- `tableau.<zone>` and `sqlworker.<zone>`: A records to the instances' private IPs;
- `redshift.<zone>` and `rds.<zone>`: CNAMEs to the database endpoints.

The zone must exist and be the only one of that name in the account.
"""

from troposphere import Output, Parameter, Ref, Sub, Template
from troposphere.route53 import RecordSetType

from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

ZONE_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
HOSTED_ZONE_PARAMETER = {
    "Type": "String",
    "Default": "",
    "AllowedPattern": rf"^$|{ZONE_PATTERN}",
    "ConstraintDescription": "a lowercase zone name such as dw.example.com (no trailing dot), or empty",
    "Description": "Route 53 hosted zone (ideally private, associated with the VPC) that receives tableau., "
    "sqlworker., redshift. and rds. records; empty creates no record",
}
IP_PATTERN = r"^\d{1,3}(\.\d{1,3}){3}$"
HOST_PATTERN = r"^[a-z0-9.-]+$"
# (record logical id, label, record type, target parameter, output)
RECORDS = [
    ("TableauServerRecord", "tableau", "A", "TableauServerPrivateIp", "TableauServerPrivateName"),
    ("SqlWorkerRecord", "sqlworker", "A", "SqlWorkerPrivateIp", "SqlWorkerPrivateName"),
    ("RedshiftRecord", "redshift", "CNAME", "RedshiftEndpointAddress", "RedshiftPrivateName"),
    ("RDSRecord", "rds", "CNAME", "RDSEndpointAddress", "RDSPrivateName"),
]


@register
def build() -> Template:
    t = Template(
        Description="Modern data warehouse: Route 53 records for Tableau Server, the SQL worker, Redshift "
        "and PostgreSQL (child of modern-dw-workload)"
    )
    zone = t.add_parameter(
        Parameter(
            "HostedZoneName",
            Type="String",
            AllowedPattern=ZONE_PATTERN,
            ConstraintDescription="a lowercase zone name such as dw.example.com (no trailing dot)",
            Description="Route 53 hosted zone that receives the records",
        )
    )
    targets = [
        t.add_parameter(
            Parameter(
                target,
                Type="String",
                AllowedPattern=IP_PATTERN if kind == "A" else HOST_PATTERN,
                ConstraintDescription="an IPv4 address" if kind == "A" else "a host name",
                Description=f"Target of {label}.<zone>",
            )
        )
        for _, label, kind, target, _ in RECORDS
    ]
    interface(t, [("Zone", [zone]), ("Targets (from the workload)", targets)])

    for logical_id, label, kind, target, output in RECORDS:
        record = t.add_resource(
            RecordSetType(
                logical_id,
                HostedZoneName=Sub("${HostedZoneName}."),
                Name=Sub(f"{label}.${{HostedZoneName}}"),
                Type=kind,
                TTL="300",
                ResourceRecords=[Ref(target)],
            )
        )
        t.add_output(Output(output, Description=f"{label}.<zone>", Value=Ref(record)))
    return t
