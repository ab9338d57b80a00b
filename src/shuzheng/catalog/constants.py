from django.db import models


class ItemType(models.TextChoices):
    LICENSING = "licensing", "行政许可"
    BENEFIT = "benefit", "行政给付"
    CONFIRMATION = "confirmation", "行政确认"
    ADJUDICATION = "adjudication", "行政裁决"
    REWARD = "reward", "行政奖励"
    OTHER_POWER = "other_power", "其他行政权力"
    PUBLIC_SERVICE = "public_service", "公共服务"


class ItemLevel(models.TextChoices):
    CITY = "city", "市级"
    TOWN = "town", "镇（街）级"
    VILLAGE = "village", "村（居）级"


class ApplicantType(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人"


class HandlingMode(models.TextChoices):
    """四办."""

    INSTANT = "instant", "马上办"
    ONLINE = "online", "网上办"
    NEARBY = "nearby", "就近办"
    ONE_VISIT = "one_visit", "一次办"


class ApplyChannel(models.TextChoices):
    PORTAL = "portal", "网上办事大厅"
    WINDOW = "window", "窗口"
    KIOSK = "kiosk", "自助机"
    BANK_TERMINAL = "bank_terminal", "政银通办终端"


class Exemption(models.TextChoices):
    """四免."""

    NO_COPIES = "no_copies", "免提交政府核发材料"
    NO_SEAL = "no_seal", "免实物印章"
    NO_FORM = "no_form", "免填写"
    NO_SIGNATURE = "no_signature", "免手写签名"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已废止"


class MaterialNeed(models.TextChoices):
    REQUIRED = "required", "必要"
    CONDITIONAL = "conditional", "容缺/视情形提交"


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    ORIGINAL_AND_COPY = "original_and_copy", "原件和复印件"
    ELECTRONIC = "electronic", "电子材料"


class GuideGroupKind(models.TextChoices):
    LIFE_EVENT = "life_event", "人生事件"
    TOPIC = "topic", "主题服务"


MORE_VISITS = 2  # onsite_visits: 0, 1, or 2 meaning "more than one"

#: Department roles that act on workflow steps (the cases context's demo creates these roles).
STEP_ROLES: dict[str, str] = {
    "case_acceptor": "受理人员",
    "case_reviewer": "审查人员",
    "case_approver": "审批人员",
}

#: The document type of live guides in core.fulltext (doc_id = the item's 实施编码).
SEARCH_DOC_TYPE = "catalog.guide"

EDIT_PERM = "catalog.change_serviceitemversion"
PUBLISH_PERM = "catalog.publish_serviceitemversion"
VIEW_PERM = "catalog.view_serviceitemversion"
#: Prefix and name suffix of the synthetic items `shuzheng generate-items` creates for scale tests.
SYNTHETIC_CODE_PREFIX = "SYN"
SYNTHETIC_NAME_SUFFIX = "（压测）"
