"""Enping's organisation as demo data: divisions, departments, 189 halls, windows, kiosks, grids.

Real where it is known: the province, prefecture and city; the names of Enping's 1 street and 11 towns
(their 9-digit statistical codes are our best knowledge of the official order, 440785001 and
440785100…110, so the towns stay flagged ``is_generated`` until ``Town.code_verified``); some 30 city
departments and 12345's member units (utilities, carriers, bus, post: ``kind`` member_unit); the
plan's counts (189 halls on three levels, 27 侨都之窗 kiosks, 14 政银通办 terminals at 27 outlets of 6
banks). Generated where it is not: village and community names and 12-digit codes
(``is_generated=True``, names end in "（演示）" unless the name itself is real), bank outlet names,
grids and grid workers (made-up names, mobile numbers in a 1390750xxxx demo block).

``load()`` is idempotent: rows are keyed by code (windows by hall and number, workers by grid and
name); what exists is left as it is, so a second run creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction

from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM
from shuzheng.orgs.constants import DepartmentKind
from shuzheng.orgs.models import Department, Division, Grid, GridWorker, Hall, Kiosk, Window

Progress = Callable[[str, int, int], None]

PROVINCE: Final = ("440000", "广东省")
PREFECTURE: Final = ("440700", "江门市")
CITY: Final = ("440785", "恩平市")


@dataclass(frozen=True)
class Town:
    code: str
    name: str
    communities: int
    villages: int
    real_villages: tuple[str, ...] = ()
    #: Whether the statistical code has been checked against the published table; until then the
    #: town is flagged ``is_generated`` (its name is real, its code is our best knowledge).
    code_verified: bool = False

    @property
    def is_street(self) -> bool:
        return self.name.endswith("街道")


#: 1 street + 11 towns, statistical codes in official order; 176 villages and communities in all.
TOWNS: Final[tuple[Town, ...]] = (
    Town("440785001", "恩城街道", communities=14, villages=10),
    Town("440785100", "横陂镇", communities=1, villages=15),
    Town("440785101", "圣堂镇", communities=1, villages=15, real_villages=("歇马村",)),
    Town("440785102", "良西镇", communities=1, villages=11),
    Town("440785103", "沙湖镇", communities=1, villages=16),
    Town("440785104", "牛江镇", communities=1, villages=13),
    Town("440785105", "君堂镇", communities=1, villages=15),
    Town("440785106", "大槐镇", communities=1, villages=13),
    Town("440785107", "东成镇", communities=1, villages=12),
    Town("440785108", "大田镇", communities=1, villages=12),
    Town("440785109", "那吉镇", communities=1, villages=9),
    Town("440785110", "朗底镇", communities=1, villages=10),
)

#: City departments: (code, name, short name, parent code).
CITY_DEPARTMENTS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("EP001", "恩平市政务服务数据管理局", "政数局", ""),
    ("EP002", "恩平市发展和改革局", "发改局", ""),
    ("EP003", "恩平市教育局", "教育局", ""),
    ("EP004", "恩平市公安局", "公安局", ""),
    ("EP005", "恩平市民政局", "民政局", ""),
    ("EP006", "恩平市司法局", "司法局", ""),
    ("EP007", "恩平市财政局", "财政局", ""),
    ("EP008", "恩平市人力资源和社会保障局", "人社局", ""),
    ("EP009", "江门市生态环境局恩平分局", "生态环境分局", ""),
    ("EP010", "恩平市住房和城乡建设局", "住建局", ""),
    ("EP011", "恩平市交通运输局", "交通运输局", ""),
    ("EP012", "恩平市水利局", "水利局", ""),
    ("EP013", "恩平市农业农村局", "农业农村局", ""),
    ("EP014", "恩平市商务局", "商务局", ""),
    ("EP015", "恩平市文化广电旅游体育局", "文广旅体局", ""),
    ("EP016", "恩平市卫生健康局", "卫健局", ""),
    ("EP017", "恩平市退役军人事务局", "退役军人事务局", ""),
    ("EP018", "恩平市应急管理局", "应急管理局", ""),
    ("EP019", "恩平市审计局", "审计局", ""),
    ("EP020", "恩平市市场监督管理局", "市场监管局", ""),
    ("EP021", "恩平市医疗保障局", "医保局", ""),
    ("EP022", "恩平市城市管理和综合执法局", "城管执法局", ""),
    ("EP023", "恩平市自然资源局", "自然资源局", ""),
    ("EP024", "恩平市林业局", "林业局", ""),
    ("EP025", "恩平市统计局", "统计局", ""),
    ("EP026", "国家税务总局恩平市税务局", "税务局", ""),
    ("EP027", "江门市住房公积金管理中心恩平管理部", "公积金", ""),
    ("EP028", "广东电网有限责任公司恩平供电局", "供电局", ""),
    ("EP029", "恩平市人民政府办公室", "市府办", ""),
    ("EP030", "恩平市残疾人联合会", "残联", ""),
    ("EP031", "恩平市气象局", "气象局", ""),
    ("EP032", "恩平市消防救援大队", "消防救援大队", ""),
    ("EP033", "恩平市供水有限公司", "供水公司", ""),
    ("EP034", "恩平市燃气有限公司", "燃气公司", ""),
    ("EP035", "中国电信恩平分公司", "电信", ""),
    ("EP036", "中国移动恩平分公司", "移动", ""),
    ("EP037", "中国联通恩平分公司", "联通", ""),
    ("EP038", "恩平市公共汽车有限公司", "公交公司", ""),
    ("EP039", "中国邮政恩平市分公司", "邮政", ""),
    ("EP023-01", "恩平市不动产登记中心", "不动产登记中心", "EP023"),
    ("EP001-01", "恩平市12345政务服务便民热线分中心", "12345热线", "EP001"),
    ("EP004-01", "恩平市公安局交通警察大队", "交警大队", "EP004"),
)

#: 12345 member units (成员单位): utilities, carriers, bus and post take work orders but are not
#: government departments.
MEMBER_UNITS: Final = frozenset({"EP028", "EP033", "EP034", "EP035", "EP036", "EP037", "EP038", "EP039"})


def _kind(code: str) -> DepartmentKind:
    return DepartmentKind.MEMBER_UNIT if code in MEMBER_UNITS else DepartmentKind.GOVERNMENT


#: Sub-units of each town government: (code suffix, name suffix, short name).
TOWN_UNITS: Final = (
    ("01", "党政综合办公室", "党政办"),
    ("02", "综合治理办公室", "综治办"),
    ("03", "公共服务办公室", "公共服务办"),
    ("04", "农业农村办公室", "农业办"),
)

#: Specialised windows of the city hall: (department code, window name, how many).
CITY_SPECIALISED_WINDOWS: Final = (
    ("EP004", "户政窗口", 2),
    ("EP004", "出入境窗口", 1),
    ("EP004-01", "车驾管窗口", 1),
    ("EP026", "税务窗口", 3),
    ("EP008", "社会保险窗口", 3),
    ("EP021", "医疗保障窗口", 2),
    ("EP023-01", "不动产登记窗口", 3),
    ("EP027", "住房公积金窗口", 1),
    ("EP020", "企业开办窗口", 2),
    ("EP020", "食品药品许可窗口", 1),
    ("EP010", "建设工程窗口", 2),
    ("EP023", "规划用地窗口", 1),
    ("EP011", "交通运输窗口", 1),
    ("EP005", "民政窗口", 1),
    ("EP016", "卫生健康窗口", 1),
    ("EP028", "用电报装窗口", 1),
    ("EP012", "水利窗口", 1),
    ("EP013", "农业农村窗口", 1),
    ("EP017", "退役军人服务窗口", 1),
    ("EP002", "投资项目审批窗口", 1),
)
CITY_COMPREHENSIVE_WINDOWS: Final = 10

#: The 6 banks of 政银通办 with how many outlets each has (27) and terminals (14).
BANKS: Final = (
    ("中国工商银行恩平支行", 4, 2),
    ("中国农业银行恩平支行", 6, 3),
    ("中国银行恩平支行", 4, 2),
    ("中国建设银行恩平支行", 4, 2),
    ("恩平农商银行", 6, 3),
    ("中国邮政储蓄银行恩平市支行", 3, 2),
)

OPENING_HOURS: Final = "工作日 8:30—12:00，14:30—17:30"
_SURNAMES: Final = (
    "吴",
    "梁",
    "郑",
    "冯",
    "岑",
    "李",
    "陈",
    "黄",
    "张",
    "林",
    "何",
    "刘",
    "杨",
    "甄",
    "司徒",
)
_GIVEN: Final = ("志强", "丽芳", "建华", "秀英", "伟明", "嘉欣", "国荣", "惠玲", "俊杰", "颖", "海燕", "锦添")


@dataclass(frozen=True)
class BankOutlet:
    bank: str
    name: str
    town_code: str
    has_terminal: bool


def bank_outlets() -> list[BankOutlet]:
    """The 27 政银通办 outlets (names generated): the first of each bank in 恩城, the rest across towns."""
    outlets = []
    town_cycle = [t for t in TOWNS if not t.is_street]
    turn = 0
    for bank, count, terminals in BANKS:
        for index in range(count):
            if index == 0:
                town, name = TOWNS[0], f"{bank}营业部（演示）"
            else:
                town = town_cycle[turn % len(town_cycle)]
                turn += 1
                name = f"{bank}{town.name.removesuffix('镇')}网点（演示）"
            outlets.append(BankOutlet(bank, name, town.code, index < terminals))
    return outlets


def village_rows(town: Town) -> list[tuple[str, str, bool]]:
    """(code, name, real name?) of a town's communities then villages."""
    rows = []
    for i in range(1, town.communities + 1):
        rows.append((f"{town.code}{i:03d}", f"{town.name}第{i}社区（演示）", False))
    for i in range(1, town.villages + 1):
        real = town.real_villages[i - 1] if i <= len(town.real_villages) else ""
        rows.append((f"{town.code}{200 + i:03d}", real or f"{town.name}第{i}村（演示）", bool(real)))
    return rows


def _display(name: str) -> str:
    return name.removesuffix("（演示）")


def _town_government(town: Town) -> str:
    return f"{town.name}办事处" if town.is_street else f"{town.name}人民政府"


class _Loader:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.created: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def step(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)

    # --- divisions ---------------------------------------------------------------------------------

    def divisions(self) -> dict[str, Division]:
        levels: list[list[tuple[str, str, str, str, bool]]] = [
            [(PROVINCE[0], PROVINCE[1], Division.Level.PROVINCE, "", False)],
            [(PREFECTURE[0], PREFECTURE[1], Division.Level.PREFECTURE, PROVINCE[0], False)],
            [(CITY[0], CITY[1], Division.Level.CITY, PREFECTURE[0], False)],
            [(t.code, t.name, Division.Level.TOWN, CITY[0], not t.code_verified) for t in TOWNS],
            [
                (code, name, Division.Level.VILLAGE, t.code, True)
                for t in TOWNS
                for code, name, _real in village_rows(t)
            ],
        ]
        wanted = [row[0] for level in levels for row in level]
        known = {d.code: d for d in Division.objects.filter(code__in=wanted)}
        created = 0
        for level in levels:
            new = []
            for code, name, kind, parent_code, generated in level:
                if code in known:
                    continue
                parent = known.get(parent_code) if parent_code else None
                path = f"{parent.path if parent else '/'}{code}/"
                new.append(
                    Division(
                        code=code, name=name, level=kind, parent=parent, path=path, is_generated=generated
                    )
                )
            if new:
                Division.objects.bulk_create(new)
                created += len(new)
                known.update({d.code: d for d in Division.objects.filter(code__in=[d.code for d in new])})
        self.created["divisions"] = created
        self.counts["divisions"] = len(wanted)
        return known

    # --- departments -------------------------------------------------------------------------------

    def departments(self, divisions: dict[str, Division]) -> dict[str, Department]:
        city = divisions[CITY[0]]
        # (code, name, short, parent code, division, serves)
        rows: list[tuple[str, str, str, str, Division, Division]] = [
            (code, name, short, parent, city, city) for code, name, short, parent in CITY_DEPARTMENTS
        ]
        for town in TOWNS:
            division = divisions[town.code]
            gov_code = f"EP{town.code}"
            rows.append((gov_code, _town_government(town), town.name, "", division, division))
            for suffix, unit, short in TOWN_UNITS:
                rows.append(
                    (f"{gov_code}-{suffix}", f"{town.name}{unit}", short, gov_code, division, division)
                )
        known = {d.code: d for d in Department.objects.filter(code__in=[r[0] for r in rows])}
        taken_names = set(
            Department.objects.filter(name__in=[r[1] for r in rows]).values_list("name", flat=True)
        )
        created: list[tuple[Department, Division]] = []
        for parents_pass in (False, True):  # roots first, then sub-units under them
            new = []
            for code, name, short, parent_code, division, serves in rows:
                if code in known or bool(parent_code) != parents_pass or name in taken_names:
                    continue
                parent = known.get(parent_code) if parent_code else None
                if parents_pass and parent is None:
                    continue
                path = f"{parent.path if parent else '/'}{code}/"
                new.append(
                    Department(
                        code=code,
                        name=name,
                        short_name=short,
                        parent=parent,
                        division=division,
                        path=path,
                        kind=_kind(code),
                    )
                )
                created.append((new[-1], serves))
            if new:
                Department.objects.bulk_create(new)
                known.update({d.code: d for d in Department.objects.filter(code__in=[d.code for d in new])})
        through = Department.serves.through
        through.objects.bulk_create(
            [through(department_id=known[d.code].pk, division_id=serves.pk) for d, serves in created]
        )
        self.created["departments"] = len(created)
        self.counts["departments"] = len(rows)
        return known

    # --- halls and windows -------------------------------------------------------------------------

    def halls(self, divisions: dict[str, Division]) -> dict[str, Hall]:
        rows: list[tuple[str, str, str, Division]] = [
            (f"H{CITY[0]}", "恩平市政务服务中心", Hall.Level.CITY, divisions[CITY[0]])
        ]
        for town in TOWNS:
            rows.append((f"H{town.code}", f"{town.name}政务服务中心", Hall.Level.TOWN, divisions[town.code]))
        for town in TOWNS:
            for code, name, _real in village_rows(town):
                rows.append((f"H{code}", f"{_display(name)}政务服务站", Hall.Level.VILLAGE, divisions[code]))
        known = {h.code: h for h in Hall.objects.filter(code__in=[r[0] for r in rows])}
        new = [
            Hall(code=code, name=name, level=level, division=division, opening_hours=OPENING_HOURS)
            for code, name, level, division in rows
            if code not in known
        ]
        if new:
            Hall.objects.bulk_create(new)
            known.update({h.code: h for h in Hall.objects.filter(code__in=[h.code for h in new])})
        self.created["halls"] = len(new)
        self.counts["halls"] = len(rows)
        return known

    def windows(self, halls: dict[str, Hall], departments: dict[str, Department]) -> None:
        rows: list[tuple[Hall, str, str, str, Department | None]] = []
        city_hall = halls[f"H{CITY[0]}"]
        for i in range(1, CITY_COMPREHENSIVE_WINDOWS + 1):
            rows.append((city_hall, f"{i:02d}", "综合受理窗口", Window.Kind.COMPREHENSIVE, None))
        number = CITY_COMPREHENSIVE_WINDOWS
        for dept_code, name, count in CITY_SPECIALISED_WINDOWS:
            for _ in range(count):
                number += 1
                rows.append(
                    (city_hall, f"{number:02d}", name, Window.Kind.SPECIALISED, departments.get(dept_code))
                )
        for index, town in enumerate(TOWNS):
            hall = halls[f"H{town.code}"]
            services_unit = departments.get(f"EP{town.code}-03")
            farm_unit = departments.get(f"EP{town.code}-04")
            rows.append((hall, "01", "综合受理窗口", Window.Kind.COMPREHENSIVE, None))
            rows.append((hall, "02", "综合受理窗口", Window.Kind.COMPREHENSIVE, None))
            rows.append((hall, "03", "社保医保窗口", Window.Kind.SPECIALISED, services_unit))
            rows.append((hall, "04", "民政残联窗口", Window.Kind.SPECIALISED, services_unit))
            if index % 2 == 0:
                rows.append((hall, "05", "农业农村窗口", Window.Kind.SPECIALISED, farm_unit))
        rows = [r for r in rows if r[3] == Window.Kind.COMPREHENSIVE or r[4] is not None]
        existing = set(
            Window.objects.filter(hall__in={r[0].pk for r in rows}).values_list("hall_id", "number")
        )
        new = [
            Window(hall=hall, number=number, name=name, kind=kind, department=department)
            for hall, number, name, kind, department in rows
            if (hall.pk, number) not in existing
        ]
        Window.objects.bulk_create(new)
        self.created["windows"] = len(new)
        self.counts["windows"] = len(rows)

    # --- kiosks ------------------------------------------------------------------------------------

    def kiosks(self, divisions: dict[str, Division], halls: dict[str, Hall]) -> None:
        rows: list[dict[str, Any]] = []
        city_hall = halls[f"H{CITY[0]}"]
        for i in range(1, 4):
            rows.append({"hall": city_hall, "name": f"侨都之窗自助机（恩平市政务服务中心{i}号）"})
        for town in TOWNS:
            rows.append(
                {"hall": halls[f"H{town.code}"], "name": f"侨都之窗自助机（{town.name}政务服务中心）"}
            )
        for town in TOWNS:
            code, name, _real = village_rows(town)[0]
            rows.append({"hall": halls[f"H{code}"], "name": f"侨都之窗自助机（{_display(name)}政务服务站）"})
        kiosks = [
            Kiosk(
                code=f"QDZC-{i:03d}",
                kind=Kiosk.Kind.KIOSK,
                name=row["name"],
                division_id=row["hall"].division_id,
                hall=row["hall"],
            )
            for i, row in enumerate(rows, start=1)
        ]
        terminals = [
            Kiosk(
                code=f"ZYTB-{i:03d}",
                kind=Kiosk.Kind.BANK_TERMINAL,
                name=f"政银通办自助终端（{outlet.name}）",
                division=divisions[outlet.town_code],
                bank_name=outlet.bank,
                bank_outlet=outlet.name,
            )
            for i, outlet in enumerate((o for o in bank_outlets() if o.has_terminal), start=1)
        ]
        wanted = kiosks + terminals
        existing = set(Kiosk.objects.filter(code__in=[k.code for k in wanted]).values_list("code", flat=True))
        new = [k for k in wanted if k.code not in existing]
        Kiosk.objects.bulk_create(new)
        self.created["kiosks"] = len(new)
        self.counts["kiosks"] = len(kiosks)
        self.counts["bank_terminals"] = len(terminals)
        self.counts["bank_outlets"] = len(bank_outlets())

    # --- grids and workers -------------------------------------------------------------------------

    def grids(self, divisions: dict[str, Division]) -> None:
        wanted: list[Grid] = []
        index = 0
        for town in TOWNS:
            for code, name, _real in village_rows(town):
                for k in range(1, 2 + index % 3 + 1):
                    wanted.append(
                        Grid(
                            code=f"{code}-{k:02d}",
                            name=f"{_display(name)}第{k}网格",
                            division=divisions[code],
                        )
                    )
                index += 1
        existing = set(Grid.objects.filter(code__in=[g.code for g in wanted]).values_list("code", flat=True))
        new = [g for g in wanted if g.code not in existing]
        Grid.objects.bulk_create(new)
        self.created["grids"] = len(new)
        self.counts["grids"] = len(wanted)

        grids = Grid.objects.filter(code__in=[g.code for g in wanted]).order_by("code")
        staffed = set(GridWorker.objects.filter(grid__in=grids).values_list("grid_id", "name"))
        workers = []
        for seq, grid in enumerate(grids):
            name = _SURNAMES[seq % len(_SURNAMES)] + _GIVEN[(seq // len(_SURNAMES)) % len(_GIVEN)]
            if (grid.pk, name) in staffed:
                continue
            workers.append(GridWorker(grid=grid, name=name, phone=f"1390750{seq % 10000:04d}"))
        GridWorker.objects.bulk_create(workers)
        self.created["grid_workers"] = len(workers)
        self.counts["grid_workers"] = len(wanted)


def load(progress: Progress | None = None) -> dict[str, int]:
    """Load Enping's demo organisation; idempotent. Returns how many demo rows of each kind exist
    (``divisions``, ``departments``, ``halls``, ``windows``, ``kiosks``, ``bank_terminals``,
    ``bank_outlets``, ``grids``, ``grid_workers``) and ``created``, the rows this run added.

    ``progress(label, done, total)`` is called after each of the 7 steps.
    """
    steps: Sequence[str] = ("行政区划", "部门", "政务服务大厅", "窗口", "自助终端", "网格和网格员")
    total = len(steps)
    loader = _Loader(progress)
    with transaction.atomic():
        divisions = loader.divisions()
        loader.step(steps[0], 1, total)
        departments = loader.departments(divisions)
        loader.step(steps[1], 2, total)
        halls = loader.halls(divisions)
        loader.step(steps[2], 3, total)
        loader.windows(halls, departments)
        loader.step(steps[3], 4, total)
        loader.kiosks(divisions, halls)
        loader.step(steps[4], 5, total)
        loader.grids(divisions)
        loader.step(steps[5], 6, total)
        created = sum(loader.created.values())
        result = {**loader.counts, "created": created}
        if created:
            audit.record(
                actor=SYSTEM,
                action="orgs.demo.load",
                subject_type="orgs.demo",
                subject_id="enping",
                after={**result, "created_by_kind": dict(loader.created)},
            )
    return result
