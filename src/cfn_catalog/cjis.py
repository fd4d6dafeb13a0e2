"""CJIS Security Policy control areas, recorded on the resources that implement them.

A template marks a resource with the policy area(s) it helps address:

    controls(bucket, "5.4", "5.10")   # Metadata: {"cjis": {"controls": ["5.4", "5.10"]}}

and `controls_matrix` reads that metadata back from rendered templates, giving
the security controls matrix (area -> template -> logical ids) that the
documentation renders. The matrix is evidence of intent, not of compliance:
an agency's CJIS assessment still covers people, process and the workload.

Nothing here imports troposphere, so the CLI can load it cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

METADATA_KEY = "cjis"

# Areas of the CJIS Security Policy (section 5) that infrastructure templates
# can help address. The keys are the policy's section numbers.
CONTROL_AREAS: dict[str, str] = {
    "5.4": "Auditing and Accountability",
    "5.5": "Access Control",
    "5.6": "Identification and Authentication",
    "5.7": "Configuration Management",
    "5.10": "System and Communications Protection and Information Integrity",
}


def area_sort_key(area: str) -> tuple:
    """Order section numbers numerically ("5.7" before "5.10"); odd strings last."""
    try:
        return (0, tuple(int(part) for part in area.split(".")), area)
    except ValueError:
        return (1, (), area)


def _check(areas: Iterable[str]) -> list[str]:
    areas = list(areas)
    unknown = sorted(set(areas) - set(CONTROL_AREAS), key=area_sort_key)
    if unknown:
        raise ValueError(f"unknown CJIS control area(s) {unknown}; known: {sorted(CONTROL_AREAS, key=area_sort_key)}")
    if not areas:
        raise ValueError("name at least one CJIS control area")
    return areas


def controls(resource: Any, *areas: str) -> Any:
    """Record on `resource` (a troposphere resource) the CJIS areas it helps address.

    Merges with areas recorded before and keeps any other metadata (such as
    accepted scanner findings). Returns the resource, so it can wrap
    `t.add_resource(...)`.
    """
    _check(areas)
    metadata = dict(getattr(resource, "Metadata", None) or {})
    recorded = metadata.get(METADATA_KEY, {}).get("controls", [])
    metadata[METADATA_KEY] = {"controls": sorted(set(recorded) | set(areas), key=area_sort_key)}
    resource.Metadata = metadata
    return resource


def resource_controls(resource: Mapping[str, Any]) -> list[str]:
    """The areas recorded on a rendered resource (a dict), in policy order."""
    metadata = resource.get("Metadata") or {}
    recorded = (metadata.get(METADATA_KEY) or {}).get("controls") or []
    return sorted(set(recorded), key=area_sort_key)


def controls_matrix(docs: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """Area -> template name -> logical ids, from rendered templates keyed by name.

    Every known area is present (with an empty mapping when no resource
    addresses it, so a gap is visible); an area recorded in a template but not
    in CONTROL_AREAS appears too, after the known ones, so callers can reject
    it. Templates and logical ids are sorted.
    """
    found: dict[str, dict[str, list[str]]] = {}
    for template in sorted(docs):
        for logical_id, resource in sorted((docs[template].get("Resources") or {}).items()):
            for area in resource_controls(resource):
                found.setdefault(area, {}).setdefault(template, []).append(logical_id)
    order = list(CONTROL_AREAS) + sorted(set(found) - set(CONTROL_AREAS), key=area_sort_key)
    return {area: found.get(area, {}) for area in order}


def uncovered_areas(matrix: Mapping[str, Mapping[str, list[str]]]) -> list[str]:
    """Known areas no resource addresses."""
    return [area for area in CONTROL_AREAS if not any(matrix.get(area, {}).values())]


def unknown_areas(matrix: Mapping[str, Any]) -> list[str]:
    """Areas recorded on resources that are not in CONTROL_AREAS."""
    return [area for area in matrix if area not in CONTROL_AREAS]
