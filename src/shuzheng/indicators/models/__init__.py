"""Models of the indicators context: snapshots, the registries kept in the platform, the IT project
register."""

from shuzheng.indicators.models.projects import (
    Milestone,
    Project,
    ProjectStateChange,
    ProjectSystem,
)
from shuzheng.indicators.models.registries import (
    AppUsage,
    BudgetUnit,
    GovernmentSector,
    Scenario,
    VideoTerminal,
    VillageAssessment,
    VillageCriterion,
)
from shuzheng.indicators.models.snapshots import IndicatorSnapshot

__all__ = [
    "AppUsage",
    "BudgetUnit",
    "GovernmentSector",
    "IndicatorSnapshot",
    "Milestone",
    "Project",
    "ProjectStateChange",
    "ProjectSystem",
    "Scenario",
    "VideoTerminal",
    "VillageAssessment",
    "VillageCriterion",
]
