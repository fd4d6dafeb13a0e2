"""The platform switch of the Ethereum network, and what both platforms share.

Nested by `ethereum-network`. It keeps the EthStats shared secret in Secrets
Manager (the platforms receive only its ARN, so the secret never travels as a
parameter further down or into user data), then nests `ethereum-ecs` when
`ContainerPlatform` is ecs or `ethereum-docker-local` when it is docker-local,
and answers with the chosen platform's URLs.
"""

from troposphere import Equals, GetAtt, If, Output, Ref, Template
from troposphere.secretsmanager import Secret

from cfn_catalog.blocks import ethereum as eth
from cfn_catalog.blocks.metadata import accept_findings, interface
from cfn_catalog.blocks.nested import child_stack, location_parameters, pass_location
from cfn_catalog.registry import register

# Condition -> (logical id, child template, the child's parameters).
PLATFORMS = {
    "IsEcs": ("EcsStack", "ethereum-ecs", eth.ECS_PARAMETERS),
    "IsDockerLocal": ("DockerLocalStack", "ethereum-docker-local", eth.DOCKER_LOCAL_PARAMETERS),
}
URL_OUTPUTS = {
    "EthJsonRPCURL": "JSON-RPC endpoint of the network",
    "EthStatsURL": "EthStats dashboard",
    "EthExplorerURL": "Explorer",
}


@register
def build() -> Template:
    t = Template(
        Description="Ethereum network: keeps the EthStats secret in Secrets Manager and nests the chosen "
        "platform, ECS or one instance with Docker (nested by ethereum-network)"
    )
    params = eth.add_parameters(t, eth.NETWORK_PARAMETERS)
    location_parameters(t)
    interface(t, eth.interface_groups(t), labels=eth.labels(t))
    t.add_condition("IsEcs", Equals(Ref(params["ContainerPlatform"]), "ecs"))
    t.add_condition("IsDockerLocal", Equals(Ref(params["ContainerPlatform"]), "docker-local"))

    secret = t.add_resource(
        Secret(
            "EthStatsSharedSecret",
            Description="Shared secret of the Ethereum nodes and their EthStats dashboard",
            SecretString=Ref(params["EthStatsSecret"]),
        )
    )
    accept_findings(
        secret,
        checkov={
            "CKV_AWS_149": "encrypted with the AWS managed key of Secrets Manager; a customer key would outlive the "
            "network for a dashboard password",
            "CKV2_AWS_57": "the value is the operator's chosen EthStats password, baked into every node's "
            "configuration; rotating it would disconnect the nodes from the dashboard",
        },
    )
    for condition, (logical_id, child, names) in PLATFORMS.items():
        child_stack(
            t,
            logical_id,
            child,
            condition=condition,
            parameters={
                **eth.passed(t, [name for name in names if name != "EthStatsSecretArn"]),
                "EthStatsSecretArn": Ref(secret),
                **pass_location(),
            },
        )

    for name, description in URL_OUTPUTS.items():
        t.add_output(
            Output(
                name,
                Description=description,
                Value=If(
                    "IsEcs",
                    GetAtt("EcsStack", f"Outputs.{name}"),
                    GetAtt("DockerLocalStack", f"Outputs.{name}"),
                ),
            )
        )
    t.add_output(
        Output("EthStatsSecretArn", Description="Secret holding the EthStats shared secret", Value=Ref(secret))
    )
    return t
