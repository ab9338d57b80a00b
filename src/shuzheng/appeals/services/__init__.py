"""Every write of the appeals context, by topic: ``intake``, ``grid`` (grid workers' events), ``dispatch``,
``merging``, ``work_orders`` (the work-order lifecycle), ``visits`` (return visits and closing),
``requests`` (extensions and assisting departments), ``knowledge`` and ``training``; ``common`` holds what
they share, ``appeal_status`` the one writer of an appeal's status.

Rules that hold throughout:
- keyword-only arguments; validation first, with Chinese messages naming the field; nothing is written
  when anything is wrong (each service is one transaction);
- every change writes an audit event in the same transaction (``core.audit.record``);
- ``actor`` is a user or the platform (``core.actors.SYSTEM``), never None; the platform skips
  permission checks and data scopes, nobody else does;
- status changes go through one writer per lifecycle, which checks the table in ``workflow`` and writes
  the history row: ``work_order_transition`` (locks the row, compares the caller's ``expected_version``
  — a stale one is a Conflict for the loser — and writes a ``WorkOrderEvent``), ``appeal_transition``
  (an ``AppealEvent``) and ``knowledge._move`` (a ``KnowledgeArticleVersion``);
- a department acts only on work orders of its own department tree: anything else is NotFound, so
  another department's work order is indistinguishable from a missing one.
"""
