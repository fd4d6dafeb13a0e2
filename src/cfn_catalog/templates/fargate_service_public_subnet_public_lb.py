"""A Fargate service in public subnets behind the public load balancer (blog: "Task Networking in AWS Fargate").

The tasks run in the public subnets of a Fargate networking stack
(`fargate-public-vpc` or `fargate-public-private-vpc`, named by `StackName`)
with public IP addresses, and the stack's internet-facing load balancer sends
them the requests matching `Path`. The public address is what lets the tasks
reach the internet (image pulls, AWS APIs) without a NAT gateway; the task
security group still only admits the load balancer and other tasks, so the
address is not an open door unless that group is changed.

Use it for the cheapest public service (no NAT gateway hours). When tasks
should have no public address at all, use
`fargate-service-private-subnet-public-lb` with `fargate-public-private-vpc`.

The service does rolling deployments with the deployment circuit breaker: a
deployment whose tasks do not become healthy is rolled back automatically.
`ContainerCpu` and `ContainerMemory` must be a valid Fargate pair; a template
rule rejects other combinations before anything is created. `Role` is the
task role (what the containers may call in AWS); the post passed it as the
service's role, which is a different thing.
"""

from troposphere import Template

from cfn_catalog.blocks.fargate import single_container_service
from cfn_catalog.registry import register


@register
def build() -> Template:
    t = Template(
        Description="Fargate service with public IPs in the public subnets of a Fargate networking stack, "
        "behind its public load balancer"
    )
    # Public IPs by design: without a NAT gateway a task needs one to pull its image and reach AWS.
    single_container_service(t, subnets="Public", listener="PublicListener", assign_public_ip=True)
    return t
