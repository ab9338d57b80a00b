from typing import Final

from django.db import models


class Audience(models.TextChoices):
    PERSON = "person", "个人"
    ENTERPRISE = "enterprise", "企业"


class Theme(models.TextChoices):
    """Where the portal lists a bundle: a citizen's life event or a stage of an enterprise's life cycle."""

    BIRTH = "birth", "出生"
    SCHOOL = "school", "上学"
    MARRIAGE = "marriage", "婚育"
    WORK = "work", "就业"
    HOUSING = "housing", "安居"
    MEDICAL = "medical", "就医"
    DISABILITY = "disability", "助残"
    ELDERLY = "elderly", "养老"
    RETIREMENT = "retirement", "退休"
    VETERAN = "veteran", "优待抚恤"
    ASSISTANCE = "assistance", "社会救助"
    TRAVEL = "travel", "交通出行"
    DEATH = "death", "身后事"
    START = "start", "企业开办"
    PERMITS = "permits", "经营许可"
    BUILD = "build", "投资建设"
    CHANGE = "change", "变更经营"
    EMPLOY = "employ", "员工招用"
    EXIT = "exit", "注销退出"


ENTERPRISE_STAGES: Final = (Theme.START, Theme.PERMITS, Theme.BUILD, Theme.CHANGE, Theme.EMPLOY, Theme.EXIT)
LIFE_EVENTS: Final = tuple(t for t in Theme if t not in ENTERPRISE_STAGES)


class RefusalRule(models.TextChoices):
    """What a child case that is refused (or not accepted, or withdrawn) means for the others."""

    CONTINUE = "continue", "其余事项照常办理"
    STOP = "stop", "其余未决事项一并终止"


class ApplicationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "办理中"
    CONCLUDED = "concluded", "已办结"


class Outcome(models.TextChoices):
    ALL_APPROVED = "all_approved", "全部办成"
    PARTLY_APPROVED = "partly_approved", "部分办成"
    NONE_APPROVED = "none_approved", "未办成"


class ChildStatus(models.TextChoices):
    WAITING = "waiting", "等待前序事项结果"
    FILED = "filed", "已提交部门办理"
    CANCELLED = "cancelled", "不再办理"


VIEW_PERM: Final = "bundles.view_bundleversion"
EDIT_PERM: Final = "bundles.change_bundleversion"
PUBLISH_PERM: Final = "bundles.publish_bundleversion"
#: core.fulltext document type of live bundles (doc id = the bundle code).
SEARCH_DOC_TYPE: Final = "bundles.bundle"
#: Synthetic bundles (`shuzheng generate-bundles`) start with this code prefix; indicator 4 leaves them out.
SYNTHETIC_PREFIX: Final = "syn-"
SYNTHETIC_NAME_SUFFIX: Final = "（压测）"
