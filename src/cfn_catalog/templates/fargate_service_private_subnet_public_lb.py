"""A Fargate service in private subnets behind the public load balancer (blog: "Task Networking in AWS Fargate").

The tasks run in the private subnets of a `fargate-public-private-vpc` stack
(named by `StackName`) without public IP addresses; the only way in is the
stack's internet-facing load balancer, which sends them the requests matching
`Path`. Outbound traffic leaves through the NAT gateway of the task's zone
(S3 and DynamoDB through the gateway endpoints).

Use it for the usual public web service: reachable through the load balancer,
not addressable from the internet. For services only other services call, use
`fargate-service-private-subnet-private-lb`.

The service does rolling deployments with the deployment circuit breaker and
automatic rollback; a template rule rejects invalid Fargate CPU/memory pairs;
`Role` is the optional task role for the containers' AWS calls.
"""

from troposphere import Template

from cfn_catalog.blocks.fargate import single_container_service
from cfn_catalog.registry import register


@register
def build() -> Template:
    t = Template(
        Description="Fargate service without public IPs in the private subnets of a Fargate networking stack, "
        "behind its public load balancer"
    )
    single_container_service(t, subnets="Private", listener="PublicListener", assign_public_ip=False)
    return t
