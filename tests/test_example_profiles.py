"""The shipped parameter profiles (params/*/*.yaml) name things that exist.

Container images in a profile are deployed as they are, so each must be a
pinned tag of a public repository known to exist: registry/repository:tag from
a short allow-list. A made-up image makes the example stack's tasks fail to
start (CannotPullContainerError) long after the stack looked created.
"""

import re

import pytest
from conftest import ROOT

from cfn_catalog import catalog, params
from cfn_catalog.templates.fargate_web_api_task import API_PORT

PROFILES = ROOT / "params"
# Public repositories that exist; `*` stands for one official Docker library image name.
KNOWN_PUBLIC_REPOSITORIES = (
    "public.ecr.aws/nginx/nginx",
    "public.ecr.aws/nginx/nginx-unprivileged",
    "public.ecr.aws/aws-cli/aws-cli",
    "public.ecr.aws/docker/library/*",
    "docker.io/library/*",
)
IMAGE_REFERENCE = re.compile(
    r"^(?P<repository>[a-z0-9.-]+(?:/[a-z0-9._-]+)+):(?P<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127})$"
)
LIBRARY_NAME = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"


def is_known_repository(repository):
    return any(
        re.fullmatch(re.escape(known).replace(r"\*", LIBRARY_NAME), repository) for known in KNOWN_PUBLIC_REPOSITORIES
    )


def is_image_parameter(name, spec):
    """Container image parameters: named ...Image/...ImageUrl/...ImageUri, not an AMI."""
    return bool(re.search(r"Image(Url|Uri)?$", name)) and "Image::Id" not in spec.get("Type", "")


def image_values():
    for template, env, _path in params.discover(PROFILES):
        declared = catalog.template_dict(template).get("Parameters", {})
        profile = params.load(template, env, PROFILES)
        for name, value in profile.parameters.items():
            if name in declared and is_image_parameter(name, declared[name]):
                yield profile.where(name), str(value)


@pytest.mark.parametrize(
    ("reference", "ok"),
    [
        ("public.ecr.aws/nginx/nginx:1.27", True),
        ("public.ecr.aws/docker/library/httpd:2.4", True),
        ("docker.io/library/redis:7.4", True),
        ("public.ecr.aws/example-org/orders-api:1.4.2", False),  # not a known repository
        ("public.ecr.aws/nginx/nginx", False),  # no tag
        ("public.ecr.aws/nginx/nginx:latest", True),
        ("nginx:1.27", False),  # no registry
        ("docker.io/someone/app:1", False),
        ("public.ecr.aws/docker/library/a/b:1", False),
    ],
)
def test_the_image_rule_accepts_only_tags_of_known_public_repositories(reference, ok):
    match = IMAGE_REFERENCE.match(reference)
    assert bool(match and is_known_repository(match["repository"])) is ok


def test_every_image_in_every_profile_is_a_tag_of_a_known_public_repository():
    found = list(image_values())
    assert len(found) >= 5  # the Fargate service profiles name their images
    bad = [
        f"{where}: {value}"
        for where, value in found
        if not ((match := IMAGE_REFERENCE.match(value)) and is_known_repository(match["repository"]))
    ]
    assert not bad, "profiles name images that are not tags of known public repositories:\n" + "\n".join(bad)


def test_the_web_api_example_runs_an_api_image_that_listens_on_the_api_port():
    profile = params.load("fargate-web-api-task", "example", PROFILES)
    assert API_PORT == 8080
    # nginx-unprivileged listens on 8080 as a non-root user
    assert profile.parameters["ApiImageUrl"].startswith("public.ecr.aws/nginx/nginx-unprivileged:")


def test_web_api_service_name_is_not_described_as_a_container_name():
    template = catalog.template_dict("fargate-web-api-task")
    description = template["Parameters"]["ServiceName"]["Description"]
    containers = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert [c["Name"] for c in containers] == ["web", "api"]
    assert "container name" not in description and "containers are named web and api" in description
    single = catalog.template_dict("fargate-service-private-subnet-public-lb")
    assert "the container name" in single["Parameters"]["ServiceName"]["Description"]
    [container] = single["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert container["Name"] == {"Ref": "ServiceName"}
