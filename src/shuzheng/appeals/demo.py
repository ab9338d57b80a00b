"""Demo data of the appeals hub: categories, dispatch catalogue, routing rules, roles and staff, a
knowledge base, 20,000 SYNTHETIC closed appeals (``appeals.synthetic``) to train the classifier, the
trained model, and a few open appeals in every work-order state.

Needs the orgs and identity demo data first. ``load()`` is idempotent: categories, rules and articles
are keyed by code or name; historical appeals, the model and the open examples are only created when
missing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

from django.db import transaction
from django.utils import timezone

from shuzheng.appeals import services, sla, synthetic
from shuzheng.appeals.constants import (
    OPEN_WORK_ORDER_STATUSES,
    AppealChannel,
    AppealStatus,
    AppealType,
    ArticleStatus,
    AssistStatus,
    ConclusionKind,
    Urgency,
    VisitResult,
    WorkOrderStatus,
)
from shuzheng.appeals.models import (
    Appeal,
    Category,
    DispatchCatalogueEntry,
    DispatchModel,
    KnowledgeArticle,
    KnowledgeArticleVersion,
    RoutingRule,
    WorkOrder,
    WorkOrderAssist,
)
from shuzheng.core import audit, calendar, fulltext
from shuzheng.core.models import SearchEntry
from shuzheng.identity import services as identity_services
from shuzheng.identity.demo import DEMO_PASSWORD, DemoAccount, ensure_staff_account
from shuzheng.identity.models import DataScopeKind, Role, User
from shuzheng.identity.selectors import users_with_role_for_department
from shuzheng.orgs.models import Department, Division

Progress = Callable[[str, int, int], None]

CITY: Final = "440785"
HISTORICAL_COUNT: Final = 20_000
#: Only the newest historical appeals go into the full-text index ("similar past appeals"): jieba
#: segmentation of all 20,000 would double the demo load time.
INDEXED_HISTORICAL: Final = 3000
BATCH: Final = 2000

_VIEW = (
    "appeals.view_appeal",
    "appeals.view_category",
    "appeals.view_workorder",
    "appeals.view_knowledgearticle",
)
ROLES: Final = (
    ("hotline_agent", "12345话务员", "登记诉求、直接答复、查知识库。", (*_VIEW, "appeals.intake_appeal")),
    (
        "dispatcher",
        "派单员（调度中心）",
        "派单、改派、并单、审核退单与延期、回访、催办督办、统计。",
        (
            *_VIEW,
            "appeals.dispatch_appeal",
            "appeals.visit_workorder",
            "appeals.supervise_workorder",
            "appeals.view_appeal_stats",
            "appeals.view_returnrequest",
            "appeals.view_extensionrequest",
        ),
    ),
    (
        "department_handler",
        "部门办理人员",
        "本部门及下级的工单：签收、退单、答复、下转、申请延期、协办。",
        (*_VIEW, "appeals.handle_workorder"),
    ),
    (
        "grid_worker",
        "网格员",
        "上报网格事件、自行处置，只看本人上报的事件。",
        ("appeals.view_appeal", "appeals.report_grid_event"),
    ),
    (
        "kb_editor",
        "知识库编辑",
        "编写、修改知识库条目并提交审核。",
        ("appeals.view_knowledgearticle", "appeals.add_knowledgearticle", "appeals.change_knowledgearticle"),
    ),
    (
        "kb_reviewer",
        "知识库审核人",
        "审核发布、下线知识库条目。",
        ("appeals.view_knowledgearticle", "appeals.review_knowledgearticle"),
    ),
)

#: (username, name, department code, role, scope)
STAFF: Final = (
    ("hotline01", "梁嘉敏", "EP001-01", "hotline_agent", DataScopeKind.ALL, "全部"),
    ("dispatch01", "吴伟明", "EP001-01", "dispatcher", DataScopeKind.ALL, "全部"),
    (
        "cgj_handler",
        "岑志强",
        "EP022",
        "department_handler",
        DataScopeKind.DEPARTMENT_TREE,
        "城管执法局及下级",
    ),
    ("rsj_handler", "李秀英", "EP008", "department_handler", DataScopeKind.DEPARTMENT_TREE, "人社局及下级"),
    ("zjj_handler", "陈国荣", "EP010", "department_handler", DataScopeKind.DEPARTMENT_TREE, "住建局及下级"),
    (
        "shahu_handler",
        "冯丽芳",
        "EP440785103",
        "department_handler",
        DataScopeKind.DEPARTMENT_TREE,
        "沙湖镇人民政府及下级",
    ),
    ("kb_editor01", "郑婉婷", "EP001-01", "kb_editor", DataScopeKind.DEPARTMENT, "12345热线分中心"),
    ("kb_reviewer01", "何惠玲", "EP001", "kb_reviewer", DataScopeKind.DEPARTMENT, "政数局"),
)

RULES: Final = (
    # (position, name, keywords, channel, enterprise, category code, lead, assists)
    (10, "燃气泄漏紧急处置", "燃气味,漏气,煤气泄漏", "", None, "", "EP010", ("EP032", "EP018")),
    (20, "山火警情", "山火,烧山", "", None, "", "EP024", ("EP032",)),
    (30, "中小微企业融资诉求（1+1+N）", "融资,贷款,信易贷", "", True, "", "EP002", ("EP014",)),
    (40, "城管巡查上报", "", AppealChannel.PATROL, None, "", "EP022", ()),
    (50, "锦江温泉景区", "锦江温泉", "", None, "WL", "EP015", ("EP020",)),
)

ARTICLES: Final = (
    (
        "ZW01",
        "恩平市政务服务中心的办公时间是什么？",
        "工作日 8:30—12:00，14:30—17:30；周六上午提供部分事项的延时服务，法定节假日休息。",
        "上班时间,开门,周六",
    ),
    (
        "ZF01",
        "在恩平购买住房如何提取住房公积金？",
        "携带身份证、购房合同、发票及银行卡到江门市住房公积金管理中心恩平管理部办理，也可通过粤省事小程序在线申请，符合条件的3个工作日内到账。",
        "公积金,提取,购房",
    ),
    (
        "ZF01",
        "住房公积金贷款最高可以贷多少？",
        "额度按缴存余额倍数、还款能力和房价综合确定，具体以管理部核定为准，可通过粤省事或窗口试算。",
        "公积金贷款,额度",
    ),
    (
        "SB01",
        "灵活就业人员如何参加企业职工养老保险？",
        "可通过粤税通、粤省事或到市社保窗口登记，按年度缴费基数上下限自选档次缴费。",
        "灵活就业,养老保险,社保",
    ),
    (
        "SB02",
        "异地就医如何备案？",
        "可通过国家医保服务平台App、粤医保小程序或到医保窗口办理异地就医备案，备案后在就医地定点医院直接结算。",
        "异地就医,备案,医保",
    ),
    (
        "SB02",
        "在外地住院回恩平怎么报销医保？",
        "未备案的可携带身份证、医保卡、住院发票、费用清单、出院小结到市医保局窗口办理零星报销。",
        "医保报销,住院,外地",
    ),
    (
        "HJ02",
        "身份证丢失后如何补办？",
        "到户籍所在地或就近派出所户籍窗口办理，可同时申领临时身份证；广东省内可跨市补领。",
        "身份证,补办,临时身份证",
    ),
    (
        "HJ01",
        "外省户口迁入恩平需要什么材料？",
        "一般需要身份证、户口簿、迁入地住所证明（房产证或集体户同意书）等，实行“跨省通办”的可在迁入地一次办结。",
        "户口迁移,落户",
    ),
    (
        "JY01",
        "小学一年级学位怎么申请？",
        "每年5月前后教育局发布招生方案，按户籍和房产所在学区网上报名，随迁子女按积分入学办法申请。",
        "学位,入学,一年级",
    ),
    (
        "LD02",
        "劳动仲裁去哪里申请？",
        "到恩平市劳动人事争议仲裁委员会（市人社局）提交仲裁申请书、身份证明和证据材料，仲裁不收费。",
        "劳动仲裁,申请",
    ),
    (
        "LD01",
        "被拖欠工资怎么办？",
        "可拨打12345或12333投诉，也可到人社局劳动保障监察部门现场投诉，需提供劳动关系证明和欠薪金额。",
        "欠薪,拖欠工资,讨薪",
    ),
    (
        "GD01",
        "停电了怎么查询恢复时间？",
        "可拨打95598或关注“南方电网95598”查询计划停电和故障抢修进度。",
        "停电,恢复供电,95598",
    ),
    (
        "GS01",
        "计划停水通知在哪里查？",
        "供水企业会提前在官方公众号和小区公告栏发布计划停水通知，也可致电12345查询。",
        "停水,通知",
    ),
    (
        "MZ01",
        "低保怎么申请？",
        "向户籍所在地镇（街道）提出书面申请，提供家庭收入和财产情况，经入户调查、民主评议和公示后审批。",
        "低保,申请,救助",
    ),
    (
        "MZ02",
        "高龄津贴怎么申请？",
        "年满80周岁的户籍老人可到村（居）委会或镇（街道）社会事务办申请，按月发放。",
        "高龄津贴,老人",
    ),
    (
        "CJ01",
        "残疾证怎么办理？",
        "到市残联领取申请表，到指定医院做残疾评定，评定合格后由残联发证，可通过粤省事申请。",
        "残疾证,办理,鉴定",
    ),
    (
        "SW01",
        "个体户如何开具电子发票？",
        "登录广东省电子税务局，在“发票使用”中开具数电发票，首次使用需完成实名认证。",
        "发票,个体户,电子税务局",
    ),
    (
        "QY01",
        "小微企业有哪些惠企补贴政策？",
        "可在“粤商通”和恩平市政府网站“惠企政策”专栏查询，符合条件的可在线申报，政策兑现由商务局统筹。",
        "惠企,补贴,小微企业",
    ),
    (
        "QY02",
        "企业如何通过信易贷平台申请贷款？",
        "登录“信易贷”平台（江门站）注册企业账号并授权信用信息，选择银行产品在线申请。",
        "信易贷,融资,贷款",
    ),
    (
        "TY01",
        "退役军人有哪些就业优惠政策？",
        "可享受职业技能培训补助、创业担保贷款贴息、招录优先等政策，详情咨询市退役军人事务局。",
        "退役军人,就业",
    ),
    (
        "YL02",
        "流感疫苗在哪里接种？",
        "各镇卫生院和社区卫生服务中心均可接种，可通过“粤苗”小程序预约。",
        "流感疫苗,接种,预约",
    ),
    (
        "ZF03",
        "二手房过户需要什么材料？",
        "买卖双方身份证、不动产权证书、买卖合同及完税凭证，到不动产登记中心窗口或“粤省事”预约办理。",
        "过户,不动产,二手房",
    ),
)


def _ensure_categories() -> dict[str, Category]:
    known = {c.code: c for c in Category.objects.all()}
    for position, (code, name) in enumerate(synthetic.GROUPS):
        if code not in known:
            known[code] = Category.objects.create(code=code, name=name, path=f"/{code}/", position=position)
    for position, spec in enumerate(synthetic.LEAVES):
        if spec.code not in known:
            parent = known[spec.parent]
            known[spec.code] = Category.objects.create(
                code=spec.code,
                name=spec.name,
                parent=parent,
                path=f"{parent.path}{spec.code}/",
                keywords=spec.keywords,
                sla_days=spec.sla_days,
                position=position,
            )
    return known


def _ensure_catalogue(
    categories: dict[str, Category], departments: dict[str, Department], divisions: dict[str, Division]
) -> int:
    existing = set(DispatchCatalogueEntry.objects.values_list("category_id", "division_id"))
    new = []
    for spec in synthetic.LEAVES:
        category = categories[spec.code]
        rows = [(CITY, spec.department)]
        if spec.town_local:
            rows += [(code, f"EP{code}") for code, _ in synthetic.TOWNS if code != synthetic.URBAN_TOWN]
        for division_code, department_code in rows:
            division, department = divisions.get(division_code), departments.get(department_code)
            if division is None or department is None or (category.pk, division.pk) in existing:
                continue
            new.append(DispatchCatalogueEntry(category=category, division=division, department=department))
    DispatchCatalogueEntry.objects.bulk_create(new)
    return DispatchCatalogueEntry.objects.count()


def _ensure_rules(categories: dict[str, Category], departments: dict[str, Department]) -> None:
    for position, name, keywords, channel, enterprise, category, lead, assists in RULES:
        if RoutingRule.objects.filter(name=name).exists() or lead not in departments:
            continue
        rule = RoutingRule.objects.create(
            name=name,
            position=position,
            keywords=keywords,
            channel=channel,
            enterprise=enterprise,
            category=categories.get(category) if category else None,
            lead_department=departments[lead],
        )
        rule.assist_departments.set([departments[a] for a in assists if a in departments])


def _ensure_roles_and_staff(departments: dict[str, Department]) -> list[DemoAccount]:
    roles: dict[str, Role] = {}
    for code, name, description, perms in ROLES:
        roles[code] = identity_services.role_ensure(
            actor=None, code=code, name=name, description=description, permissions=list(perms)
        )
    return [
        _ensure_staff(username, full_name, departments[code], roles[role_code], scope, scope_label)
        for username, full_name, code, role_code, scope, scope_label in STAFF
    ]


def _ensure_staff(
    username: str, full_name: str, department: Department, role: Role, scope: str, scope_label: str
) -> DemoAccount:
    """A demo staff account with one role (created through the identity services when missing)."""
    ensure_staff_account(
        username=username, full_name=full_name, department=department, role=role, scope=scope
    )
    return DemoAccount(
        username=username, password=DEMO_PASSWORD, full_name=full_name, role=role.name, scope=scope_label
    )


#: Handlers of the departments the demo's open work lands at (by the routing rules and the trained model)
#: besides the four above; any other such department gets ``<code>_handler`` named after it.
EXTRA_HANDLERS: Final = {
    "EP004-01": ("jjdd_handler", "梁振华"),
    "EP018": ("yjj_handler", "黄美玲"),
    "EP032": ("xfdd_handler", "谭建新"),
}


def _ensure_handlers_for_open_work() -> list[DemoAccount]:
    """Every open work order and unanswered assist of the demo has a handler of its own department."""
    role = Role.objects.get(code=services.HANDLER_ROLE)
    open_orders = WorkOrder.objects.filter(status__in=OPEN_WORK_ORDER_STATUSES)
    departments = {w.lead_department for w in open_orders.select_related("lead_department")}
    assists = WorkOrderAssist.objects.filter(work_order__in=open_orders).exclude(status=AssistStatus.REPLIED)
    departments |= {a.department for a in assists.select_related("department")}
    accounts = []
    for department in sorted(departments, key=lambda d: d.code):
        default = (f"{department.code.lower().replace('-', '_')}_handler", f"{department.name}办理员")
        username, full_name = EXTRA_HANDLERS.get(department.code, default)
        covered = users_with_role_for_department(services.HANDLER_ROLE, department.pk)
        if any(u.username != username for u in covered):
            continue
        label = f"{department.name}及下级"
        accounts.append(
            _ensure_staff(username, full_name, department, role, DataScopeKind.DEPARTMENT_TREE, label)
        )
    return accounts


def _ensure_articles(categories: dict[str, Category], departments: dict[str, Department]) -> int:
    known = set(KnowledgeArticle.objects.values_list("question", flat=True))
    leaves = {spec.code: spec for spec in synthetic.LEAVES}
    now = timezone.now()
    for code, question, answer, keywords in ARTICLES:
        if question in known:
            continue
        spec = leaves[code]
        article = KnowledgeArticle.objects.create(
            question=question,
            answer=answer,
            keywords=keywords,
            category=categories[code],
            department=departments.get(spec.department),
            status=ArticleStatus.PUBLISHED,
            published_at=now,
        )
        KnowledgeArticleVersion.objects.create(
            article=article,
            version=1,
            question=question,
            answer=answer,
            status=article.status,
            action="import",
            note="演示数据",
        )
        fulltext.index(services.KB_DOC, article.pk, f"{question} {keywords} {answer}")
    return KnowledgeArticle.objects.count()


def _village_pools(divisions: dict[str, Division]) -> dict[str, list[Division]]:
    pools: dict[str, list[Division]] = {}
    for division in Division.objects.filter(
        level=Division.Level.VILLAGE, path__startswith=f"/440000/440700/{CITY}/"
    ):
        town_code = division.code[:9]
        pools.setdefault(town_code, []).append(division)
    for code, _ in synthetic.TOWNS:
        if code not in pools and code in divisions:
            pools[code] = [divisions[code]]
    return pools


def _historical(
    categories: dict[str, Category],
    departments: dict[str, Department],
    divisions: dict[str, Division],
    progress: Callable[[int], None],
) -> int:
    """Bulk-insert the synthetic closed appeals (and their full-text entries)."""
    if Appeal.objects.filter(is_historical=True).exists():
        return Appeal.objects.filter(is_historical=True).count()
    rng = random.Random(7)  # noqa: S311 - synthetic demo data, not security
    pools = _village_pools(divisions)
    cal = calendar.current()
    now = timezone.now()
    start = now - timedelta(days=365)
    satisfaction_choices = (
        VisitResult.SATISFIED,
        VisitResult.BASICALLY_SATISFIED,
        VisitResult.UNSATISFIED,
        VisitResult.FAILED,
    )
    batch: list[Appeal] = []
    texts: list[str] = []
    created = 0
    for index, item in enumerate(synthetic.generate(HISTORICAL_COUNT, seed=2026)):
        department = departments.get(item.department)
        if department is None:
            continue
        received = start + timedelta(seconds=rng.randint(0, 365 * 24 * 3600 - 1))
        category = categories[item.category]
        limit = sla.limit_for(
            appeal_type=item.appeal_type,
            urgency=Urgency.NORMAL,
            category_days=category.sla_days,
            is_enterprise=item.is_enterprise,
        )
        due = cal.deadline_at(received, limit.working_days) if limit.working_days is not None else None
        span = (due - received) if due else timedelta(days=5)
        late = rng.random() < 0.06
        concluded = received + (span * rng.uniform(1.05, 1.6) if late else span * rng.uniform(0.1, 0.95))
        concluded = min(concluded, now)
        batch.append(
            Appeal(
                number=f"LS{received:%Y%m%d}{index:06d}",
                channel=item.channel,
                appeal_type=item.appeal_type,
                category=category,
                text=item.text,
                division=rng.choice(pools.get(item.town) or [divisions[CITY]]),
                is_enterprise=item.is_enterprise,
                enterprise_uscc="",
                urgency=Urgency.NORMAL,
                status=AppealStatus.CLOSED,
                received_at=received,
                due_at=due,
                sla_rule=limit.basis,
                department=department,
                conclusion=ConclusionKind.WORK_ORDER,
                replied_at=concluded,
                concluded_at=concluded,
                satisfaction=rng.choices(satisfaction_choices, (82, 10, 5, 3))[0],
                is_historical=True,
            )
        )
        texts.append(item.text)
        if len(batch) >= BATCH:
            created += _flush(batch, texts)
            batch, texts = [], []
            progress(created)
    if batch:
        created += _flush(batch, texts)
        progress(created)
    _index_recent()
    return created


def _flush(batch: list[Appeal], texts: list[str]) -> int:
    Appeal.objects.bulk_create(batch)
    return len(batch)


def _index_recent() -> None:
    recent = Appeal.objects.filter(is_historical=True).order_by("-received_at").values_list("pk", "text")
    SearchEntry.objects.bulk_create(
        [
            SearchEntry(doc_type=services.APPEAL_DOC, doc_id=str(pk), tokens=fulltext.segment(text))
            for pk, text in recent[:INDEXED_HISTORICAL]
        ],
        batch_size=1000,
    )


EXAMPLES: Final = (
    # (text, type, town or village code, channel, target state)
    (
        "新平路与锦江大道交叉路口的红绿灯坏了两天，上下班时间非常混乱。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.HOTLINE,
        "dispatched",
    ),
    (
        "本人在恩平市某电声科技有限公司工作，公司已拖欠3个月工资共18000元，老板一直推脱。",
        AppealType.HELP,
        "440785001",
        AppealChannel.HOTLINE,
        "handling",
    ),
    (
        "沙湖镇市场旁边的垃圾桶已经一个星期没人清运，垃圾堆成小山，气味很臭。",
        AppealType.COMPLAINT,
        "440785103",
        AppealChannel.WECHAT,
        "return_requested",
    ),
    (
        "恩城大道有商户挂的横幅已经破烂半个月了也没人拆。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.WEB,
        "replied",
    ),
    (
        "小区物业不作为，电梯坏了一个多月都没修，老人上下楼很困难。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.HOTLINE,
        "supervised",
    ),
    (
        "楼上住户装修从早上六点开始电钻声不断，周末也装修，多次沟通无果。",
        AppealType.COMPLAINT,
        "440785001",
        AppealChannel.HOTLINE,
        "closed",
    ),
    (
        "反映的问题一直没人管，要求有关部门处理。",
        AppealType.COMPLAINT,
        "440785104",
        AppealChannel.HOTLINE,
        "pending",
    ),
    (
        "牛江镇村口闻到很浓的燃气味，怀疑管道漏气，请尽快派人检查。",
        AppealType.REPORT,
        "440785104",
        AppealChannel.HOTLINE,
        "dispatched",
    ),
)


def _examples(divisions: dict[str, Division], departments: dict[str, Department]) -> int:
    if Appeal.objects.filter(is_historical=False).exists():
        return Appeal.objects.filter(is_historical=False).count()
    for text, appeal_type, division_code, channel, state in EXAMPLES:
        appeal = services.appeal_intake(
            actor=None,
            channel=channel,
            appeal_type=appeal_type,
            text=text,
            division_code=division_code,
            reporter_name="陈建明",
            reporter_phone="13707500001",
            publish_consent=state in ("replied", "closed"),  # two reporters agreed to publish the text
        )
        if state == "pending":
            continue
        appeal.refresh_from_db()
        if appeal.work_order_id is None:
            services.appeal_dispatch(actor=None, appeal=appeal, department=departments["EP022"])
            appeal.refresh_from_db()
        wo = appeal.work_order
        assert wo is not None
        if state == "dispatched":
            continue
        if state == "return_requested":
            services.work_order_request_return(
                actor=None, work_order=wo.pk, reason="该点位属城区范围，不属本单位职责。"
            )
            continue
        services.work_order_accept(actor=None, work_order=wo.pk)
        if state == "handling":
            continue
        if state == "supervised":
            services.work_order_supervise(actor=None, work_order=wo.pk, note="群众多次反映，列入督办。")
            continue
        services.work_order_reply(
            actor=None, work_order=wo.pk, reply_text="经现场核查，已责令相关方整改，并将持续跟进。"
        )
        if state == "closed":
            services.work_order_visit(actor=None, work_order=wo.pk, result=VisitResult.SATISFIED, note="")
    return Appeal.objects.filter(is_historical=False).count()


#: Events grid01 (沙湖镇综合治理办公室) reported and has not yet handled or escalated (网格员待处置).
GRID_EVENTS: Final = (
    ("沙湖镇第1社区文化广场东侧路灯不亮，晚上行人看不清路。", AppealType.COMPLAINT),
    ("沙湖镇第1社区菜市场门口排水沟堵塞，下雨后积水严重。", AppealType.COMPLAINT),
    ("建议在沙湖镇第1社区小学门口增设减速带。", AppealType.SUGGESTION),
)
GRID_WORKER: Final = "grid01"
GRID_VILLAGE: Final = "440785103001"


def _grid_events() -> int:
    """grid01's events waiting for them, so the grid worker's home page and list have work to show."""
    worker = User.objects.filter(username=GRID_WORKER, is_active=True).first()
    if worker is None or Appeal.objects.filter(channel=AppealChannel.GRID, created_by=worker).exists():
        return 0
    for text, appeal_type in GRID_EVENTS:
        services.appeal_intake(
            actor=worker,
            channel=AppealChannel.GRID,
            appeal_type=appeal_type,
            text=text,
            division_code=GRID_VILLAGE,
        )
    return len(GRID_EVENTS)


def load(progress: Progress | None = None) -> dict[str, Any]:
    """Load the appeals demo (idempotent). Returns counts and the demo ``accounts``."""
    steps = ("诉求分类与派单目录", "角色与账号", "知识库", "历史诉求（合成）", "训练派单模型", "示例工单")
    total = len(steps)
    timings: dict[str, float] = {}

    def step(done: int) -> None:
        if progress is not None:
            progress(steps[done - 1], done, total)

    started = time.perf_counter()
    before = _row_counts()
    divisions = {d.code: d for d in Division.objects.filter(path__startswith=f"/440000/440700/{CITY}/")}
    departments = {d.code: d for d in Department.objects.filter(is_active=True)}
    if CITY not in divisions or "EP001-01" not in departments:
        raise RuntimeError("请先加载组织机构与账号演示数据")
    with transaction.atomic():
        categories = _ensure_categories()
        catalogue = _ensure_catalogue(categories, departments, divisions)
        _ensure_rules(categories, departments)
        step(1)
        accounts = _ensure_roles_and_staff(departments)
        step(2)
        articles = _ensure_articles(categories, departments)
        step(3)

        def rows(done: int) -> None:
            if progress is not None:
                progress(f"{steps[3]} {done}/{HISTORICAL_COUNT}", 3, total)

        t0 = time.perf_counter()
        historical = _historical(categories, departments, divisions, rows)
        timings["historical_seconds"] = round(time.perf_counter() - t0, 1)
        step(4)
    t0 = time.perf_counter()
    model = DispatchModel.objects.filter(is_active=True).first()
    if model is None:
        model = services.dispatch_model_train(actor=None)
    timings["training_seconds"] = round(time.perf_counter() - t0, 1)
    step(5)
    with transaction.atomic():
        examples = _examples(divisions, departments) + _grid_events()
        accounts += _ensure_handlers_for_open_work()
        step(6)
        result = {
            "categories": len(categories),
            "catalogue_entries": catalogue,
            "routing_rules": RoutingRule.objects.count(),
            "kb_articles": articles,
            "historical_appeals": historical,
            "open_appeals": examples,
            "work_orders": WorkOrder.objects.count(),
            "model_version": model.version,
            "model_accuracy": round(model.accuracy, 4),
            "model_macro_f1": round(model.macro_f1, 4),
            "baseline_accuracy": round(model.baseline_accuracy or 0, 4),
            "baseline_macro_f1": round(model.baseline_macro_f1 or 0, 4),
            **timings,
            "seconds": round(time.perf_counter() - started, 1),
        }
        if _row_counts() != before:  # a second run changes nothing, not even the audit chain
            audit.record(
                actor=None,
                action="appeals.demo.load",
                subject_type="appeals.demo",
                subject_id="enping",
                after=dict(result),
            )
    return {**result, "accounts": accounts, "states": _state_counts()}


def _row_counts() -> tuple[int, ...]:
    return (
        Category.objects.count(),
        DispatchCatalogueEntry.objects.count(),
        RoutingRule.objects.count(),
        KnowledgeArticle.objects.count(),
        Appeal.objects.count(),
        DispatchModel.objects.count(),
    )


def _state_counts() -> dict[str, int]:
    return {status: WorkOrder.objects.filter(status=status).count() for status in WorkOrderStatus.values}
