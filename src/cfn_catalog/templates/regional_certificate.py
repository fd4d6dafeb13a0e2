"""A public ACM certificate for one name, validated through DNS in a Route 53 hosted zone.

API Gateway's regional custom domains, Application Load Balancers and most
other regional services take a certificate only from their own region, so a
service deployed to two regions needs a certificate in each. The original
multi-region post had one requested by hand per region in the console; this
stack is that step: deploy it in every region that serves the name.

CloudFormation asks ACM for the certificate and, because `HostedZoneId` is
given, writes the DNS validation records into the zone itself, so the stack
completes (usually within a few minutes) once ACM has seen them; nobody needs
to copy a CNAME by hand. The zone must be a public hosted zone in the same
account that is authoritative for `DomainName`; a wildcard name
(`*.example.com`) covers every API of a zone with one certificate per region. The certificate renews
automatically for as long as the validation records stay in the zone.

The `CertificateArn` output goes to `helloworld-api`'s `CertificateArn` (the
`multi-region-serverless` solution wires it per region).
"""

from troposphere import Output, Parameter, Ref, Tags, Template
from troposphere.certificatemanager import Certificate, DomainValidationOption

from cfn_catalog.blocks.metadata import interface
from cfn_catalog.registry import register

NAME_PATTERN = r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"


@register
def build() -> Template:
    t = Template(
        Description="Public ACM certificate in this region for a domain name, validated through DNS records "
        "that CloudFormation writes into the given Route 53 hosted zone"
    )
    domain = t.add_parameter(
        Parameter(
            "DomainName",
            Type="String",
            AllowedPattern=NAME_PATTERN,
            MaxLength=253,
            ConstraintDescription="a DNS name such as api.example.com (or *.example.com)",
            Description="Name the certificate is for, e.g. api.example.com",
        )
    )
    zone = t.add_parameter(
        Parameter(
            "HostedZoneId",
            Type="AWS::Route53::HostedZone::Id",
            Description="Public hosted zone authoritative for DomainName; the validation records are written here",
        )
    )
    key = t.add_parameter(
        Parameter(
            "KeyAlgorithm",
            Type="String",
            Default="RSA_2048",
            AllowedValues=["RSA_2048", "EC_prime256v1", "EC_secp384r1"],
            Description="Key algorithm; RSA_2048 suits every client, ECDSA keys are smaller and faster",
        )
    )
    interface(
        t,
        [("Certificate", [domain, key]), ("Validation", [zone])],
        labels={
            "DomainName": "Domain name",
            "KeyAlgorithm": "Key algorithm",
            "HostedZoneId": "Hosted zone",
        },
    )
    certificate = t.add_resource(
        Certificate(
            "Certificate",
            DomainName=Ref(domain),
            ValidationMethod="DNS",
            DomainValidationOptions=[DomainValidationOption(DomainName=Ref(domain), HostedZoneId=Ref(zone))],
            KeyAlgorithm=Ref(key),
            CertificateTransparencyLoggingPreference="ENABLED",
            Tags=Tags(Name=Ref(domain)),
        )
    )
    t.add_output(Output("CertificateArn", Description="ARN of the certificate in this region", Value=Ref(certificate)))
    t.add_output(Output("DomainName", Description="Name the certificate is for", Value=Ref(domain)))
    return t
