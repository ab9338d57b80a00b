"""structlog wiring: JSON lines carrying the request id."""

from __future__ import annotations

from typing import Any

import structlog

from shuzheng.core import context


def add_request_context(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    request_id = context.current().request_id
    if request_id:
        event.setdefault("request_id", request_id)
    return event


def configure() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_request_context,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    configure()
    return structlog.stdlib.ProcessorFormatter(
        processor=structlog.processors.JSONRenderer(ensure_ascii=False),
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            add_request_context,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
        ],
    )
