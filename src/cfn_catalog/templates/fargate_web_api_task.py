"""Two containers in one Fargate task, talking over localhost (blog: "Task Networking in AWS Fargate").

The post's local-networking example: a `web` container (port 80) and an `api`
container (port 8080) in one task definition. With the `awsvpc` network mode
every container of a task shares the task's network namespace, its one
elastic network interface and its IP address, so `web` reaches `api` at
`http://localhost:8080` (passed to it as `API_URL`) with no load balancer,
service discovery or security group rule in between. The task runs as a
service in the private subnets of a `fargate-public-private-vpc` stack (named
by `StackName`), and the public load balancer sends the requests matching
`Path` to `web`; `api` is not registered with any load balancer.

When to keep them in one task, and when to split them into two services
(the post's advice):

- One task suits a tightly coupled pair, such as a front end and the API
  only it calls, or an application and its sidecar (proxy, log router,
  metrics agent): they always run, scale and deploy together, and the call
  between them costs no network hop.
- Split them into two services (for example `web` with
  `fargate-service-private-subnet-public-lb` and `api` with
  `fargate-service-private-subnet-private-lb`, calling it at `InternalUrl`)
  as soon as they need to scale independently (one task size and count
  must fit both, and every extra `web` drags an `api` along), to deploy
  independently (a new image of either replaces both), to isolate failures
  (an essential container that stops stops the whole task), or to be used
  by more than one caller.
- Two containers of one task cannot listen on the same port.

Port 8080 of the task is reachable by other tasks in the networking stack's
task security group (it admits its own members); the load balancer only
targets port 80.
"""

from troposphere import Ref, Template
from troposphere.ecs import ContainerDefinition, ContainerDependency, Environment, PortMapping

from cfn_catalog.blocks.fargate import (
    container_logs,
    image_parameter,
    service,
    service_interface,
    service_log_group,
    service_parameters,
)
from cfn_catalog.registry import register

WEB_PORT = 80
API_PORT = 8080


@register
def build() -> Template:
    t = Template(
        Description="Fargate service of one task with a web and an api container that talk over localhost, "
        "in private subnets behind the public load balancer of a Fargate networking stack"
    )
    web_image = image_parameter(
        t,
        "WebImageUrl",
        description="Image of the web container; it listens on port 80 and finds the API at $API_URL",
    )
    api_image = image_parameter(
        t,
        "ApiImageUrl",
        default=None,
        description="Image of the api container; it listens on port 8080 (pin a tag or digest)",
    )
    p = service_parameters(
        t,
        service_name="web-api",
        also_names="the task family and the log stream prefix; the containers are named web and api",
    )
    service_interface(
        t,
        p,
        [web_image, api_image],
        labels={"WebImageUrl": "Web container image", "ApiImageUrl": "API container image"},
    )
    group = service_log_group(t, p)
    api = ContainerDefinition(
        Name="api",
        Image=Ref(api_image),
        Essential=True,
        PortMappings=[PortMapping(ContainerPort=API_PORT, Protocol="tcp")],
        LogConfiguration=container_logs(group, Ref(p.service_name)),
    )
    web = ContainerDefinition(
        Name="web",
        Image=Ref(web_image),
        Essential=True,
        PortMappings=[PortMapping(ContainerPort=WEB_PORT, Protocol="tcp")],
        Environment=[Environment(Name="API_URL", Value=f"http://localhost:{API_PORT}")],
        DependsOn=[ContainerDependency(ContainerName="api", Condition="START")],
        LogConfiguration=container_logs(group, Ref(p.service_name)),
    )
    service(
        t,
        p,
        containers=[web, api],
        target_container="web",
        target_port=WEB_PORT,
        subnets="Private",
        listener="PublicListener",
        assign_public_ip=False,
    )
    return t
