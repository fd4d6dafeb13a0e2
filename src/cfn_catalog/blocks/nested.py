"""Nested stacks: a parent adds each child, a registered template, by name.

Every child URL is an https S3 URL built from three parameters the root
declares and passes down, so grandchildren resolve the same way:

    https://<TemplateBucketName>.s3.<TemplateBucketRegion>.<URLSuffix>/<TemplateKeyPrefix><child>.yaml

`cfn-catalog publish` uploads a tree in exactly that layout.
"""

from __future__ import annotations

from collections.abc import Mapping

from troposphere import Join, Parameter, Ref, Sub, Template
from troposphere.cloudformation import Stack

from cfn_catalog.registry import LOCATION_PARAMETERS

DEFAULT_KEY_PREFIX = "cfn-catalog/latest/"
DEFAULT_BUCKET_REGION = "us-east-1"


def location_parameters(t: Template, *, with_region: bool = True) -> list[Parameter]:
    """Declare where this tree's templates live (root and any parent of grandchildren).

    A template that only reads its published assets (not nested stacks) needs
    no region: `with_region=False` leaves TemplateBucketRegion out.
    """
    parameters = [
        t.add_parameter(
            Parameter(
                "TemplateBucketName",
                Type="String",
                AllowedPattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                ConstraintDescription="an S3 bucket name",
                Description="Bucket holding this tree's templates, as published by 'cfn-catalog publish'",
            )
        ),
        t.add_parameter(
            Parameter(
                "TemplateKeyPrefix",
                Type="String",
                Default=DEFAULT_KEY_PREFIX,
                AllowedPattern=r"^([0-9A-Za-z!_.*'()-]+/)*$",
                ConstraintDescription="an S3 key prefix ending with '/', or empty",
                Description="Key prefix of the templates in the bucket; ends with '/'",
            )
        ),
    ]
    if not with_region:
        return parameters
    return [
        *parameters,
        t.add_parameter(
            Parameter(
                "TemplateBucketRegion",
                Type="String",
                Default=DEFAULT_BUCKET_REGION,
                AllowedPattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$",
                ConstraintDescription="a region code such as us-east-1",
                Description="Region of the template bucket",
            )
        ),
    ]


def child_url(child: str) -> Sub:
    return Sub(
        "https://${TemplateBucketName}.s3.${TemplateBucketRegion}.${AWS::URLSuffix}/${TemplateKeyPrefix}"
        f"{child}.yaml"
    )


def pass_location() -> dict[str, Ref]:
    """The location parameters, passed unchanged to a child that has children."""
    return {name: Ref(name) for name in LOCATION_PARAMETERS}


def join_list(parameter: object) -> Join:
    """A List<...> parameter as the comma-separated string a child parameter receives."""
    return Join(",", Ref(parameter) if isinstance(parameter, (str, Parameter)) else parameter)


def child_stack(
    t: Template,
    logical_id: str,
    child: str,
    *,
    parameters: Mapping[str, object] | None = None,
    condition: str | None = None,
    depends_on: list[str] | None = None,
    timeout_minutes: int | None = None,
) -> Stack:
    """Add the registered template `child` as a nested stack.

    No StackName: CloudFormation rejects it on nested stacks and names them
    `<parent>-<logical id>-<suffix>` itself.
    """
    props: dict = {"TemplateURL": child_url(child)}
    if parameters:
        props["Parameters"] = dict(parameters)
    if timeout_minutes is not None:
        props["TimeoutInMinutes"] = timeout_minutes
    if condition:
        props["Condition"] = condition
    if depends_on:
        props["DependsOn"] = depends_on
    return t.add_resource(Stack(logical_id, **props))
