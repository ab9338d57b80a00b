"""Roles of the data hub (created by the demo loader through identity.services.role_ensure)."""

from __future__ import annotations

from typing import Final

from django.db import models

STEWARD_PERMISSIONS: Final = (
    "datahub.view_catalogentry",
    "datahub.add_catalogentry",
    "datahub.change_catalogentry",
    "datahub.load_data",
    "datahub.decide_sharingrequest",
    "datahub.view_sharingrequest",
    "datahub.add_sharingrequest",
    "datahub.add_apicredential",
    "datahub.view_accesslog",
    "datahub.add_qualityrule",
    "datahub.publish_opendataset",
)
CONSUMER_PERMISSIONS: Final = (
    "datahub.view_catalogentry",
    "datahub.add_sharingrequest",
    "datahub.view_sharingrequest",
    "datahub.add_apicredential",
)
ADMIN_PERMISSIONS: Final = (
    *STEWARD_PERMISSIONS,
    "datahub.review_catalogentry",
    "datahub.view_accesslog",
    "datahub.add_qualityrun",
    "datahub.view_qualityrun",
    "datahub.view_grant",
    "datahub.view_apicredential",
)

#: (code, name, description, permissions)
ROLES: Final = (
    (
        "data_admin",
        "数据管理员",
        "数据资源目录审核、共享、开放与质量（数据中台，全部范围）。",
        ADMIN_PERMISSIONS,
    ),
    (
        "data_steward",
        "部门数据专员",
        "编目本部门数据资源、装载数据、审批对本部门的共享申请。",
        STEWARD_PERMISSIONS,
    ),
    ("data_consumer", "数据使用人", "申请其他部门的数据共享并管理接口凭证。", CONSUMER_PERMISSIONS),
)


class SharingRequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REFUSED = "refused", "已拒绝"
    WITHDRAWN = "withdrawn", "已撤回"
