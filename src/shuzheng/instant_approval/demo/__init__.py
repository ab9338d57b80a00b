"""秒批 demo data for the demo city (idempotent): rules for three items, the sharing grants their departments
need to read the person registry, demo citizens in that registry, and applications decided automatically.

- 高龄津贴申领 (every town's item): aged 80 or more in the person registry, bank card given;
- 个体工商户设立登记: an adult applicant, a business scope worded as in the standard catalogue;
- 城乡居民养老保险参保登记: aged 16 to 59.

Who passes and who fails (password as printed by load-demo): elder01…elder06 (aged 80 to 95) pass 高龄津贴
and fail 养老保险参保 (over 60); citizen01 (under 80) fails 高龄津贴; citizen02 passes 个体工商户 with
“日用百货零售” and citizen03 fails it with “烟花爆竹批发”; citizen04 passes 养老保险参保.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from shuzheng.cases.demo.files import blank_pdf
from shuzheng.cases.demo.form_data import form_for
from shuzheng.cases.services.common import MaterialData
from shuzheng.cases.services.submission import case_submit
from shuzheng.cases.services.uploads import material_upload
from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.core.actors import SYSTEM
from shuzheng.core.validators import generate_id_number
from shuzheng.datahub import access
from shuzheng.datahub.models import CatalogEntry
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.identity.demo import DEMO_PASSWORD, REGION
from shuzheng.identity.models import User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.services import roles as role_services
from shuzheng.instant_approval.models import AutomaticDecision, RuleSet
from shuzheng.instant_approval.services import decisions, rule_sets

Progress = Callable[[str, int, int], None]

PERSONS: Final = "人口基础信息库"
ELDERLY: Final = "高龄津贴申领"
BUSINESS: Final = "个体工商户设立登记"
PENSION: Final = "城乡居民养老保险参保登记"
#: A few entries of the 经营范围登记规范表述目录 (the standard wording of business scopes).
STANDARD_SCOPES: Final = [
    "日用百货零售", "食品销售（仅销售预包装食品）", "服装服饰零售", "五金产品零售", "家用电器销售",
    "文具用品零售", "理发服务", "美甲服务", "家政服务", "洗染服务", "自行车修理", "餐饮管理",
]  # fmt: skip
AGE: Final = "registry.person.age"
BANK: Final = "form.bank_account"
RULES: Final[dict[str, dict[str, Any]]] = {
    ELDERLY: {
        "conditions": [
            {"code": "age_80", "label": "年满80周岁（人口基础信息库）", "logic": {">=": [{"var": AGE}, 80]}},
            {
                "code": "bank_card",
                "label": "填写了收款银行卡号",
                "logic": {"!!": {"var": "form.bank_account"}},
            },
        ],
        "reasons": "申请人年满80周岁，符合高龄津贴发放条件，准予发放。",
        "legal_basis": "《广东省老年人权益保障条例》；《江门市高龄老人津贴发放办法》",
    },
    BUSINESS: {
        "conditions": [
            {
                "code": "adult",
                "label": "经营者年满18周岁（人口基础信息库）",
                "logic": {">=": [{"var": AGE}, 18]},
            },
            {
                "code": "standard_scope",
                "label": "经营范围为规范表述目录中的条目",
                "logic": {"in": [{"var": "form.business_scope"}, STANDARD_SCOPES]},
            },
        ],
        "reasons": "申请人具备经营能力，经营范围符合规范表述，准予个体工商户设立登记。",
        "legal_basis": "《促进个体工商户发展条例》第八条；《中华人民共和国市场主体登记管理条例》第三条",
    },
    PENSION: {
        "conditions": [
            {"code": "age_16", "label": "年满16周岁（人口基础信息库）", "logic": {">=": [{"var": AGE}, 16]}},
            {
                "code": "under_60",
                "label": "未满60周岁（超龄人员按补缴政策另行办理）",
                "logic": {"<": [{"var": AGE}, 60]},
            },
        ],
        "reasons": "申请人年满16周岁、未满60周岁，符合城乡居民养老保险参保条件，准予登记。",
        "legal_basis": "《中华人民共和国社会保险法》第二十条",
    },
}
#: (username, name, birth date, sex) of the elderly demo citizens.
ELDERS: Final = (
    ("elder01", "周福寿", date(1938, 3, 12), "男"),
    ("elder02", "冯玉娥", date(1941, 8, 2), "女"),
    ("elder03", "吴炳坤", date(1931, 1, 20), "男"),
    ("elder04", "梁淑贞", date(1944, 11, 5), "女"),
    ("elder05", "甄伯伦", date(1936, 6, 18), "男"),
    ("elder06", "岑美华", date(1940, 2, 27), "女"),
)
GRANT_FIELDS: Final = ["id_number", "full_name", "gender", "birth_date"]


def _live(name: str) -> list[ServiceItemVersion]:
    """The live versions of the demo items called `name` (高龄津贴申领 exists once per town)."""
    return list(
        ServiceItemVersion.objects.filter(name=name, item__live_version=F("pk"))
        .select_related("department")
        .order_by("code")
    )


def _elder(index: int, username: str, name: str, born: date, sex: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        number = generate_id_number(REGION, born, seq=300 + index, female=sex == "女")
        user = account_services.citizen_create(
            actor=SYSTEM,
            username=username,
            full_name=name,
            id_number=number,
            mobile=f"1370759{index:04d}",
            password=DEMO_PASSWORD,
        )
    return user


def _registry_row(user: User, town: str) -> dict[str, Any]:
    number = user.id_number
    return {
        "id_number": number,
        "full_name": user.full_name,
        "gender": "女" if int(number[16]) % 2 == 0 else "男",
        "birth_date": date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        "nation": "汉族",
        "mobile": user.mobile,
        "address": f"广东省江门市恩平市{town}演示路{user.pk % 90 + 1}号",
        "town_code": "",
        "village_code": "",
    }


def _grant(persons: CatalogEntry, department: Any) -> None:
    if access.active_grant(department=department, entry=persons) is not None:
        return
    today = timezone.localdate()
    request = sharing_services.sharing_request_create(
        actor=SYSTEM,
        entry=persons,
        requester_department=department,
        purpose="秒批自动审批：核验申请人年龄等基础信息",
        legal_basis="《广东省政务数据资源共享管理办法（试行）》及本部门法定职责",
        fields=GRANT_FIELDS,
        period_start=today,
        period_end=today.replace(year=today.year + 1),
    )
    sharing_services.sharing_request_approve(actor=SYSTEM, request=request)


def _ensure_roles() -> None:
    role_services.role_ensure(
        actor=SYSTEM,
        code="catalog_admin",
        name="事项管理员",
        permissions=["instant_approval.view_ruleset", "instant_approval.change_ruleset"],
    )
    role_services.role_ensure(
        actor=SYSTEM,
        code="case_approver",
        name="审批人员",
        permissions=[
            "instant_approval.view_ruleset",
            "instant_approval.view_automaticdecision",
            "instant_approval.review_automaticdecision",
        ],
    )


def _apply(user: User, version: ServiceItemVersion, rng: random.Random, **form: Any) -> int:
    applicant = {
        "name": user.full_name,
        "id_number": user.id_number,
        "uscc": "",
        "company": "",
        "mobile": user.mobile,
    }
    data = form_for(version, applicant, rng) or {}
    data.update(form)
    materials = []
    for requirement in version.materials.all():
        if requirement.need != "required" or requirement.exempt:
            continue
        upload = material_upload(actor=user, file=ContentFile(blank_pdf(), name=f"{requirement.code}.pdf"))
        materials.append(MaterialData(code=requirement.code, upload_id=upload.pk))
    case = case_submit(
        actor=user,
        channel="portal",
        item_code=version.code,
        form_data=data,
        materials=materials,
        idempotency_key=f"miaopi-{version.pk}-{user.pk}",
    )
    decisions.decide_submitted_case(case.pk)
    return case.pk


def load(progress: Progress | None = None) -> dict[str, Any]:
    """Create the 秒批 demo data; returns how many rule sets and decisions exist."""
    _ensure_roles()
    persons = CatalogEntry.objects.filter(name=PERSONS, status="published").first()
    elderly, business, pension = _live(ELDERLY), _live(BUSINESS), _live(PENSION)
    if persons is None or not (elderly and business and pension):
        return {"notes": ["未找到人口基础信息库或演示事项，跳过秒批演示数据。"]}
    created = 0
    if not RuleSet.objects.exists():
        for name, versions in ((ELDERLY, elderly), (BUSINESS, business), (PENSION, pension)):
            rule = RULES[name]
            for version in versions:
                _grant(persons, version.department)
                saved = rule_sets.rule_set_save(
                    actor=SYSTEM,
                    version=version,
                    conditions=rule["conditions"],
                    reasons=rule["reasons"],
                    legal_basis=rule["legal_basis"],
                    registries={"person": persons.code},
                    note="演示规则",
                )
                rule_sets.rule_set_activate(actor=SYSTEM, rule_set=saved)
                created += 1
        elders = [_elder(i, *row) for i, row in enumerate(ELDERS, 1)]
        citizens = [User.objects.filter(username=f"citizen{n:02d}").first() for n in (1, 2, 3, 4)]
        people = elders + [c for c in citizens if c is not None]
        row_services.rows_insert(
            actor=SYSTEM, entry=persons, rows=[_registry_row(u, "恩城街道") for u in people], source="demo"
        )
        rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
        steps = len(elders) * 2 + 4
        done = 0
        for index, elder in enumerate(elders):
            _apply(elder, elderly[index % len(elderly)], rng)  # passes
            _apply(elder, pension[0], rng)  # fails: over 60
            done += 2
            if progress:
                progress("秒批", done, steps)
        first, second, third, fourth = citizens
        if first is not None:
            _apply(first, elderly[0], rng)  # fails: under 80
        if second is not None:
            _apply(second, business[0], rng, business_scope="日用百货零售")  # passes
        if third is not None:
            _apply(third, business[0], rng, business_scope="烟花爆竹批发")  # fails: not standard wording
        if fourth is not None:
            _apply(fourth, pension[0], rng)  # passes
    rule_count = RuleSet.objects.count()
    approved = AutomaticDecision.objects.filter(outcome="approved").count()
    referred = AutomaticDecision.objects.filter(outcome="referred").count()
    return {
        "created": created,
        "notes": [
            f"秒批：{rule_count} 套规则（高龄津贴申领、个体工商户设立登记、城乡居民养老保险参保登记），"
            f"自动准予 {approved} 件、转人工 {referred} 件。",
            f"秒批演示账号 elder01…elder06（80岁以上）、citizen01…citizen04，密码 {DEMO_PASSWORD}。",
        ],
    }
