"""What the guide pages of the portal and the workbench share."""

from __future__ import annotations

from typing import Any

from shuzheng.catalog.constants import STEP_ROLES, ApplyChannel, Exemption, HandlingMode
from shuzheng.catalog.models import ServiceItemVersion


def _labels(choices: Any, values: list[str]) -> list[str]:
    names = dict(choices.choices)
    return [str(names.get(v, v)) for v in values]


def guide_facts(version: ServiceItemVersion) -> dict[str, Any]:
    """What the guide templates show besides the version's own fields."""
    materials = list(version.materials.all())
    steps = list(version.steps.all())
    return {
        "version": version,
        "materials": materials,
        "steps": steps,
        "exempt_count": sum(1 for m in materials if m.exempt),
        "step_roles": STEP_ROLES,
        "handling_mode_labels": _labels(HandlingMode, version.handling_modes),
        "channel_labels": _labels(ApplyChannel, version.channels),
        "exemption_labels": _labels(Exemption, version.exemptions),
        "all_exemptions": [(label, value in version.exemptions) for value, label in Exemption.choices],
        "groups": list(version.guide_groups.all()),
    }
