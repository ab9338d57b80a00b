"""Every write of the cases context, by topic: `uploads`, `submission` (with `applicant`), the per-action
transition services (`acceptance`, `review`, `closing`, on the shared `transition` machinery; `actions`
routes an action name to its service), `materials` (added after submission) and `handling` (claim, the
remote reference of a forwarded case); `common` holds the typed inputs and shared checks.

Each service is keyword-only, runs in one transaction, checks who may act (permission, data scope,
workflow-step role — see `cases.access`), validates everything before it writes (bad input changes
nothing) and records its audit event in the same transaction. ``at`` (defaults to now) exists for imports
and demo data; the API never passes it.

Concurrency: transitions lock the case row (``select_for_update``; SQLite serialises writers with its
IMMEDIATE transactions) and compare ``expected_version`` with ``lock_version``, so of two clerks acting
on the same case the second gets a `Conflict` instead of silently overwriting. Case numbers come from
a locked per-day, per-division `CaseSequence` row. Submissions are idempotent per
(submitted_by, idempotency_key).
"""
