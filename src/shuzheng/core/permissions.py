"""Permissions as users read them: the Chinese name of "app_label.codename", never the code itself.

Django names the default permissions "Can add 诉求" (the verb in English); those read "新增诉求" here.
"""

from __future__ import annotations

from typing import Final

from django.contrib.auth.models import Permission

VERBS: Final = {"add": "新增", "change": "修改", "delete": "删除", "view": "查看"}


def permission_label(perm: str) -> str:
    """The permission's Chinese name; "相应" for a permission the database does not know."""
    app_label, _, codename = perm.partition(".")
    name = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .values_list("name", flat=True)
        .first()
    )
    if name is None:
        return "相应"
    verb = VERBS.get(codename.partition("_")[0])
    if verb and name.startswith("Can "):
        return verb + name.split(" ", 2)[-1]
    return name


def missing_permission(*perms: str) -> str:
    """The parenthesis a refusal ends with: （需要“查看诉求”或“处置工单”权限）."""
    return "（需要" + "或".join(f"“{permission_label(p)}”" for p in perms) + "权限）"
