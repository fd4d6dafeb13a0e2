"""The catalog's only list: template modules register themselves.

A module `cfn_catalog/templates/route53_failover.py` decorates its `build()`
with `@register` and becomes the template `route53-failover`; adding a
template is adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from troposphere import Template

TEMPLATES_PACKAGE = "cfn_catalog.templates"
# Where a parent finds its children: every nested TemplateURL is built from these three parameters.
LOCATION_PARAMETERS = ("TemplateBucketName", "TemplateKeyPrefix", "TemplateBucketRegion")
NESTED_STACK_TYPE = "AWS::CloudFormation::Stack"
# blocks.nested builds every child URL as `...${TemplateKeyPrefix}<child>.yaml`; this finds the child's
# name in a TemplateURL (anchor it with `$`) or anywhere in a rendered template's text.
CHILD_IN_URL = r"\$\{TemplateKeyPrefix\}([a-z0-9][a-z0-9-]*)\.yaml"


@dataclass(frozen=True)
class TemplateSpec:
    """A registered template: its name and the function that builds it."""

    name: str
    module: str
    build: Callable[[], Template]


_REGISTRY: dict[str, TemplateSpec] = {}


class RegistryError(Exception):
    """A template module broke the naming contract."""


def template_name(module: str) -> str:
    """`cfn_catalog.templates.route53_failover` -> `route53-failover`."""
    return module.rsplit(".", 1)[-1].replace("_", "-")


def register(build: Callable[[], Template]) -> Callable[[], Template]:
    """Register a module's `build()`; the module name gives the template name."""
    name = template_name(build.__module__)
    existing = _REGISTRY.get(name)
    if existing is not None and existing.module != build.__module__:
        raise RegistryError(f"template {name!r} registered by {existing.module} and {build.__module__}")
    _REGISTRY[name] = TemplateSpec(name=name, module=build.__module__, build=build)
    return build


def template_modules() -> list[str]:
    """Every module in the templates package: each must register its template
    (shared code lives in `cfn_catalog.blocks`, never beside the templates)."""
    package = importlib.import_module(TEMPLATES_PACKAGE)
    return sorted(f"{TEMPLATES_PACKAGE}.{info.name}" for info in pkgutil.iter_modules(package.__path__))


def discover() -> dict[str, TemplateSpec]:
    """Import every template module and return the registry, sorted by name."""
    for module in template_modules():
        importlib.import_module(module)
    return dict(sorted(_REGISTRY.items()))
