"""Fargate networking stack with public and private subnets (blog: "Task Networking in AWS Fargate").

Everything `fargate-public-vpc` has (VPC 10.0.0.0/16, two public subnets,
internet gateway, ECS cluster with Container Insights, internet-facing
Application Load Balancer, task security group, task execution role) plus:

- two private subnets (10.0.2.0/24, 10.0.3.0/24) in the same two
  Availability Zones, each routed through a NAT gateway in its own zone, so a
  zone failure does not cut the other zone's tasks off the internet;
- gateway endpoints for S3 and DynamoDB on the private route tables, so that
  traffic (including image layers pulled from ECR, which live in S3) skips
  the NAT gateways;
- an internal Application Load Balancer in the private subnets that accepts
  traffic only from the task security group, for services that only other
  services call.

Use it for tasks without public IP addresses: deploy
`fargate-service-private-subnet-public-lb` (private tasks behind the public
load balancer), `fargate-service-private-subnet-private-lb` (private tasks
behind the internal one), `fargate-web-api-task` or, if some tasks must have
public addresses, `fargate-service-public-subnet-public-lb`.

Every output is exported as `<stack name>:<OutputName>`; service stacks take
the stack name as their `StackName` parameter.

Departures from the post: listeners answer a fixed 404 by default instead of
forwarding to dummy target groups; the public load balancer switches to HTTPS
(with an HTTP redirect) when `CertificateArn` is given; the S3 gateway
endpoint is added beside DynamoDB's; the `ECSRole` output is gone because ECS
uses its service-linked role; flow logs are on and invalid HTTP headers are
dropped at both load balancers. Two NAT gateways are billed by the hour:
that is the price of zone-independent outbound traffic.
"""

from troposphere import Template

from cfn_catalog.blocks.fargate import networking
from cfn_catalog.registry import register


@register
def build() -> Template:
    t = Template(
        Description="Fargate networking: VPC with public and private subnets, NAT gateway per AZ, S3/DynamoDB "
        "endpoints, ECS cluster, public and internal ALBs; outputs exported as <stack name>:<output>"
    )
    networking(t, private=True)
    return t
