"""The last demo step: send the deadline reminders the scheduler would send (Celery beat, hourly in
production), so demo staff find their warnings and overdue cases in the notification centre at once."""

from __future__ import annotations

from collections.abc import Callable

from shuzheng.cases.reminders import send_reminders


def load(progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    if progress:
        progress("到期提醒", 0, 1)
    run = send_reminders()
    if progress:
        progress("到期提醒", 1, 1)
    return {"reminded_cases": run.cases, "reminders": run.notifications}
