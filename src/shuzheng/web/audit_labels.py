"""What each audit operation code ("<context>.<entity>.<verb>", e.g. identity.login) is called on screen.

Services write codes; people read names. A code is named whole (EXACT) or as "entity：verb", the verb
taken from the context's own action labels where it has them (办件、工单、诉求、数据目录、印章、证照、项目
transitions),
so a new transition gets its name with its label. test_audit_labels checks every code the code base
writes has a name here.
"""

from __future__ import annotations

from typing import Final

from django.apps import apps

from shuzheng.appeals.workflow import AppealAction, WorkOrderAction
from shuzheng.cases.workflow import CaseAction
from shuzheng.core.constants import Channel
from shuzheng.datahub.workflow import ACTION_LABELS as ENTRY_ACTION_LABELS
from shuzheng.indicators.workflow import ProjectAction
from shuzheng.licences.constants import LicenceAction, SealAction

UNKNOWN: Final = "其他操作"

EXACT: Final[dict[str, str]] = {
    "identity.login": "登录",
    "identity.login_failed": "登录失败",
    "identity.logout": "退出登录",
    "identity.otp_enrolled": "绑定动态口令",
    "identity.otp_verified": "动态口令验证通过",
    "identity.otp_failed": "动态口令验证失败",
    "identity.otp_reset": "重置动态口令",
    "identity.api_key_issued": "签发个人接口密钥",
    "identity.api_key_revoked": "吊销个人接口密钥",
    "identity.user.set_password": "设置用户密码",
    "identity.role.assign": "授予角色",
    "identity.role.revoke": "撤销角色",
    "identity.audit.purge": "清理已归档的审计日志",
    "core.notification.read": "通知标为已读",
    "core.notification.read_all": "通知全部标为已读",
    "orgs.demo.load": "载入组织机构演示数据",
    "appeals.demo.load": "载入诉求演示数据",
    "datahub.class.name": "数据目录类目：命名",
    "datahub.open.resource": "开放数据：新增资源",
    "datahub.open.topic": "开放数据：设置主题",
    "datahub.quality.rule": "数据质量：新增规则",
    "datahub.quality.run": "数据质量：执行检查",
}

ENTITIES: Final[dict[str, str]] = {
    "core.holiday_override": "节假日调整",
    "identity.user": "用户",
    "identity.role": "角色",
    "orgs.division": "行政区划",
    "orgs.department": "部门",
    "orgs.hall": "政务服务大厅",
    "orgs.window": "窗口",
    "orgs.kiosk": "自助终端",
    "orgs.grid": "网格",
    "orgs.grid_worker": "网格员",
    "catalog.item": "事项",
    "catalog.version": "事项版本",
    "catalog.guide_group": "主题分类",
    "cases.case": "办件",
    "cases.material": "办件材料",
    "cases.upload": "办件材料文件",
    "evaluation.evaluation": "评价",
    "evaluation.rectification": "差评整改",
    "evaluation.dispute": "评价申诉",
    "evaluation.appeal": "评价申诉",  # events written before the rename to dispute
    "appeals.appeal": "诉求",
    "appeals.workorder": "工单",
    "appeals.assist": "协办",
    "appeals.extension": "延期申请",
    "appeals.kb": "知识库条目",
    "appeals.model": "派单模型",
    "datahub.entry": "数据目录",
    "datahub.credential": "接口凭证",
    "datahub.grant": "共享授权",
    "datahub.sharing": "共享申请",
    "datahub.rows": "库表数据",
    "datahub.open": "开放数据集",
    "licences.authority": "平台证书颁发机构",
    "licences.seal": "电子印章",
    "licences.licence": "电子证照",
    "licences.decision": "许可决定书",
    "licences.share": "证照分享",
    "bundles.bundle": "一件事主题",
    "bundles.version": "一件事主题版本",
    "bundles.application": "一件事申请",
    "bundles.child": "一件事子办件",
    "instant_approval.ruleset": "秒批规则",
    "instant_approval.decision": "自动审批判定",
    "indicators.project": "政务信息化项目",
    "indicators.milestone": "项目里程碑",
    "indicators.projectsystem": "信息系统",
    "indicators.governmentsector": "政府行业",
    "indicators.budgetunit": "财政预算单位",
    "indicators.videoterminal": "视频终端",
    "indicators.scenario": "应用场景",
    "indicators.villagecriterion": "数字乡村评定标准",
    "indicators.villageassessment": "数字乡村评定",
    "indicators.appusage": "粤系应用使用情况",
    "indicators.snapshot": "指标快照",
}

#: Verbs every entity may use (create, update, …).
VERBS: Final[dict[str, str]] = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "save": "保存",
    "activate": "启用",
    "deactivate": "停用",
    "import": "导入",
}

#: Verbs of one entity: its transition labels first, then its other operations.
ENTITY_VERBS: Final[dict[str, dict[str, str]]] = {
    "cases.case": {
        **{a.value: str(a.label) for a in CaseAction},
        "submit": "提交申请",
        "claim": "认领",
        "remote_reference": "登记对方受理编号",
    },
    "cases.material": {"add": "补充"},
    "catalog.item": {"bulk_publish": "批量发布"},
    "catalog.version": {"draft": "新建草稿", "discard": "删除草稿", "publish": "发布", "retire": "停用"},
    "evaluation.evaluation": {
        "submit_online": "线上评价",
        "submit_qr": "二维码评价",
        "record_onsite": "录入现场评价",
        "void": "作废",
    },
    "evaluation.rectification": {
        "open": "立案",
        "assign": "分派",
        "return_visit": "回访",
        "callback": "回访",  # events written before the rename to return_visit
        "result": "提交整改结果",
        "check_pass": "核查通过",
        "check_fail": "核查不通过",
        "close": "关闭",
    },
    "evaluation.dispute": {"file": "提出", "review": "复核"},
    "evaluation.appeal": {"file": "提出", "review": "复核"},  # events written before the rename to dispute
    "appeals.appeal": {
        **{a.value: str(a.label) for a in AppealAction},
        "intake": "登记",
        "attach": "补充附件",
        "merge": "合并",
    },
    "appeals.workorder": {**{a.value: str(a.label) for a in WorkOrderAction}, "dispatch": "派单"},
    "appeals.assist": {"accept": "签收", "reply": "回复"},
    "appeals.extension": {"request": "申请", "review": "审核"},
    "appeals.kb": {"submit": "提交审核", "review": "审核", "retire": "下线"},
    "appeals.model": {"train": "训练", "activate": "启用"},
    "datahub.entry": {**ENTRY_ACTION_LABELS, "mount": "挂接资源", "open_approval": "开放审批"},
    "datahub.credential": {"issue": "签发", "revoke": "吊销"},
    "datahub.grant": {"revoke": "撤销"},
    "datahub.sharing": {"request": "提出", "approve": "同意", "refuse": "拒绝"},
    "datahub.rows": {"load": "导入", "bulk_load": "批量导入", "update": "修改", "delete": "删除"},
    "datahub.open": {
        "generate": "生成",
        "publish": "发布",
        "unpublish": "撤下",
        "resource_update": "修改资源",
        "resource_delete": "删除资源",
    },
    "licences.seal": {**{a.value: str(a.label) for a in SealAction}, "issue": "制章", "use": "用章"},
    "licences.licence": {**{a.value: str(a.label) for a in LicenceAction}, "issue": "颁发"},
    "licences.decision": {"issue": "出具"},
    "licences.share": {"create": "生成分享链接", "open": "打开分享链接"},
    "bundles.version": {"draft": "新建草稿", "publish": "发布", "retire": "废止"},
    "bundles.application": {
        "submit": "提交申请",
        "request_corrections": "要求补正",
        "respond_corrections": "提交补正",
        "conclude": "办结",
        "evaluate": "评价",
    },
    "bundles.child": {"release": "提交部门办理", "cancel": "终止办理"},
    "instant_approval.ruleset": {"retire": "停用"},
    "instant_approval.decision": {
        "approve": "自动准予",
        "refer": "转人工办理",
        "confirm": "复核确认",
        "revoke": "撤销",
    },
    "indicators.project": {a.value: str(a.label) for a in ProjectAction},
    "indicators.snapshot": {"take": "生成"},
}


def _entity_name(entity: str) -> str:
    """A named entity, or a model's own Chinese name ("appeals.category" from an admin change)."""
    if entity in ENTITIES:
        return ENTITIES[entity]
    app_label, _, model_name = entity.partition(".")
    try:
        return str(apps.get_model(app_label, model_name)._meta.verbose_name)
    except (LookupError, ValueError):
        return ""


def action_label(code: str) -> str:
    """The Chinese name of an operation code; UNKNOWN for a code nobody named (never the code itself)."""
    if code in EXACT:
        return EXACT[code]
    entity, _, verb = code.rpartition(".")
    name = _entity_name(entity)
    verb_name = ENTITY_VERBS.get(entity, {}).get(verb) or VERBS.get(verb, "")
    return f"{name}：{verb_name}" if name and verb_name else UNKNOWN


#: The labels the audit writer gives events without a logged-in person.
ACTORS: Final[dict[str, str]] = {"system": "系统", "anonymous": "未登录访问者"}


def actor_label(label: str) -> str:
    return ACTORS.get(label, label)


def channel_label(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else (channel and "其他渠道")


def subject_label(subject_type: str) -> str:
    """The Chinese name of the audited object's kind ("cases.case" → 办件)."""
    return _entity_name(subject_type) or "对象"


CONTEXTS: Final[dict[str, str]] = {
    "identity": "身份与权限",
    "orgs": "组织机构",
    "catalog": "事项管理",
    "cases": "办件",
    "evaluation": "好差评",
    "appeals": "诉求",
    "datahub": "数据中台",
    "licences": "电子证照与电子印章",
    "bundles": "一件事",
    "instant_approval": "秒批",
    "indicators": "规划指标",
    "core": "平台",
}


def action_choices() -> list[tuple[str, object]]:
    """The audit page's operation filter: per context, all of it, each entity, each named operation."""
    choices: list[tuple[str, object]] = [("", "全部操作")]
    for context, context_name in CONTEXTS.items():
        group: list[tuple[str, str]] = [(f"{context}.", f"{context_name}：全部")]
        group += [(f"{e}.", f"{name}：全部") for e, name in ENTITIES.items() if e.startswith(f"{context}.")]
        group += [(code, name) for code, name in EXACT.items() if code.startswith(f"{context}.")]
        choices.append((context_name, group))
    return choices
