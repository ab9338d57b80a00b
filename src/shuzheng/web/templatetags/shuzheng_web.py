"""Template helpers of the portal and the workbench."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

from shuzheng.web import audit_labels
from shuzheng.web.plain_words import plain_words

register = template.Library()
register.filter("action_label", audit_labels.action_label)
register.filter("actor_label", audit_labels.actor_label)
register.filter("channel_label", audit_labels.channel_label)
register.filter("subject_label", audit_labels.subject_label)
register.filter("plain_words", plain_words)


@register.simple_tag(takes_context=True)
def query(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced; a value of None or "" drops it.

    {% query cursor=page.next_cursor %} -> "?level=town&cursor=abc"; "" when no parameter is left.
    """
    request = context.get("request")
    params: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""
