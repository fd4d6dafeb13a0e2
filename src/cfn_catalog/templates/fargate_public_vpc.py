"""Fargate networking stack with public subnets only (blog: "Task Networking in AWS Fargate").

A VPC (10.0.0.0/16) with two public subnets in the first two Availability
Zones of the region, an internet gateway, an ECS cluster with Container
Insights, an internet-facing Application Load Balancer, a security group for
the Fargate tasks that accepts traffic only from that load balancer and from
other tasks in the group, and the ECS task execution role.

Use it when every task may have a public IP address and no NAT gateway is
wanted: tasks run in the public subnets and reach the internet (image pulls,
AWS APIs) through the internet gateway. Deploy `fargate-service-public-subnet-public-lb`
into it. For tasks without public addresses use `fargate-public-private-vpc`.

Service stacks find this stack by its name: every output is exported as
`<stack name>:<OutputName>` (for example `production:ClusterName`), so give
the stack a short, stable name and pass it to the service stacks as
`StackName`. Exports cannot change while another stack imports them.

Departures from the post:

- The public listener's default action is a fixed 404 instead of a forward to
  a dummy target group; services add path rules to it.
- With `CertificateArn` the load balancer listens on HTTPS 443 (TLS 1.2+) and
  port 80 only redirects there; `PublicListener` is then the HTTPS listener.
  Without it the post's plain HTTP listener is kept.
- The post's `ECSRole` (an `ecs.amazonaws.com` role for ENIs and load balancer
  registration) is omitted: ECS now uses its service-linked role
  `AWSServiceRoleForECS` for that, created automatically on first use.
- Subnets do not map public IPs on launch; a service asks for one with
  `AssignPublicIp: ENABLED`. Invalid HTTP headers are dropped at the load
  balancer, VPC flow logs are on, and access logs go to `AccessLogBucketName`
  when given.
"""

from troposphere import Template

from cfn_catalog.blocks.fargate import networking
from cfn_catalog.registry import register


@register
def build() -> Template:
    t = Template(
        Description="Fargate networking: VPC with two public subnets, ECS cluster, internet-facing ALB, "
        "task security group and execution role; outputs exported as <stack name>:<output>"
    )
    networking(t, private=False)
    return t
