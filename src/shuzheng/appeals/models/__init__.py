"""一网统管: appeals from every channel (12345, web, grid, patrol, sensors …), their dispatch to work orders,
time limits, return visits, and the knowledge base behind the hotline.

- ``Appeal`` (诉求) is what a person or a sensor reported; ``WorkOrder`` (工单) is the dispatched unit of
  work. Merged appeals (并单) point at the same work order, so one reply answers every reporter.
- ``Appeal.department`` is the current lead department, denormalised so data scopes filter with one index.
- Every state change of a work order is a ``WorkOrderEvent`` row written by ``work_order_transition``.
- ``is_historical`` rows were imported from the previous hotline system (the demo's synthetic training
  data): closed, without a work order, used for the classifier and statistics.
"""

from shuzheng.appeals.models.appeals import (
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealSequence,
    DispatchDecision,
)
from shuzheng.appeals.models.dispatch import Category, DispatchCatalogueEntry, DispatchModel, RoutingRule
from shuzheng.appeals.models.knowledge import KnowledgeArticle, KnowledgeArticleVersion
from shuzheng.appeals.models.work_orders import (
    ExtensionRequest,
    ReturnRequest,
    ReturnVisit,
    WorkOrder,
    WorkOrderAssist,
    WorkOrderEvent,
)

__all__ = [
    "Appeal",
    "AppealAttachment",
    "AppealEvent",
    "AppealSequence",
    "Category",
    "DispatchCatalogueEntry",
    "DispatchDecision",
    "DispatchModel",
    "ExtensionRequest",
    "KnowledgeArticle",
    "KnowledgeArticleVersion",
    "ReturnRequest",
    "ReturnVisit",
    "RoutingRule",
    "WorkOrder",
    "WorkOrderAssist",
    "WorkOrderEvent",
]
