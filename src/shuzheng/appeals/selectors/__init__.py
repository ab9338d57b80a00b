"""Reads of the appeals context, data-scope aware and keyset-paginated.

Who sees what (``identity.scopes.data_scope_for(user, perm)``):
- appeals (``appeals.view_appeal``): by the lead department (``department``), the division
  (``division``) or, for a SELF scope such as a grid worker's, the appeals they registered;
- the dispatch queue, returns, extensions and visits (``appeals.dispatch_appeal`` /
  ``appeals.visit_workorder``): the centre's division tree (or all);
- department queues (``appeals.handle_workorder``): work orders whose lead department lies in the
  user's department scope — nothing else exists for them (NotFound).

Queues for pages, Open311 and the bench:
``dispatch_queue``, ``department_queue``, ``assist_queue``, ``return_request_queue``,
``extension_request_queue``, ``visit_queue`` (all ``Page`` objects, oldest first), plus
``sla_info`` for the warning/overdue badge. Statistics inputs: ``appeal_stats``, ``appeal_volume``,
``hot_spots``, ``open_appeal_points``.

Modules by topic: ``common`` (scope, SLA), ``appeals``, ``work_orders`` (queues), ``dispatch``,
``knowledge``, ``stats``, ``public`` (timeline, Open311), ``grid``.
"""
