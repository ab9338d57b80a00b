"""The last guard before a message reaches the screen: role codes become the role's Chinese name, and
permission codes in brackets ("（cases.view_case）", written for developers) are left out.

Services word their messages for the API too, where a code helps; pages show them through this filter.
"""

from __future__ import annotations

import re

from shuzheng.identity import selectors as identity_selectors

_APPS = "core|identity|orgs|catalog|cases|evaluation|appeals|datahub|auth"
_PERMISSION = rf"(?:{_APPS})\.[a-z]+_[a-z_]+"  # app label, then a codename with its verb: cases.view_case
#: "（cases.view_case）", "（cases.view_case 或 cases.intake_case）", "（a.b_c、d.e_f）"
PERMISSION_CODES = re.compile(rf"[（(]\s*{_PERMISSION}(?:\s*(?:或|、|,|，|/)\s*{_PERMISSION})*\s*[）)]")
WORD = re.compile(r"(?<![A-Za-z0-9_.])[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?![A-Za-z0-9_.])")


def plain_words(text: object) -> str:
    message = PERMISSION_CODES.sub("", str(text))
    if not WORD.search(message):
        return message
    names = identity_selectors.role_names()
    return WORD.sub(lambda m: f"“{names[m.group(0)]}”" if m.group(0) in names else m.group(0), message)
