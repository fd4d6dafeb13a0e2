"""A private Fargate service behind the internal load balancer (blog: "Task Networking in AWS Fargate").

The tasks run in the private subnets of a `fargate-public-private-vpc` stack
(named by `StackName`) without public IP addresses, behind the stack's
internal load balancer, which itself lives in the private subnets and admits
only the task security group. Other services in the cluster call it at the
stack's `InternalUrl`; nothing on the internet can reach it. It can still
make outbound calls through the NAT gateways.

Use it for internal APIs and back ends. The post's template assigned public IP
addresses to these tasks; that was a mistake (a task in a private subnet
cannot use one), so here `AssignPublicIp` is `DISABLED`.

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
        Description="Private Fargate service in the private subnets of a Fargate networking stack, behind its "
        "internal load balancer"
    )
    single_container_service(t, subnets="Private", listener="PrivateListener", assign_public_ip=False)
    return t
