"""Printed documents of a case, as PDF (reportlab, the built-in CID font STSong-Light: no font files).

- ``acceptance``: 受理通知书 once accepted, 收件回执 before — case number, item, applicant (ID masked),
  received and accepted times, promised due date, materials received and deferred, hall and window,
  and a QR code of the tracking page when SHUZHENG_PUBLIC_URL is set;
- ``rejection``: 不予受理决定书 (reasons, legal basis, remedies);
- ``correction``: 补正告知书 (the complete list, the respond-by date).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shuzheng.cases import selectors
from shuzheng.cases.constants import ApplicantKind, CaseStatus
from shuzheng.cases.models import Case
from shuzheng.cases.workflow import CaseAction
from shuzheng.core.errors import NotFound
from shuzheng.core.masking import mask_id_number, mask_mobile
from shuzheng.core.pdf_fonts import chinese_font

KINDS: Final = ("acceptance", "rejection", "correction")


def _styles() -> dict[str, ParagraphStyle]:
    font = chinese_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=10.5, leading=16, alignment=TA_CENTER),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=18),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10, leading=14),
        "small": ParagraphStyle("small", fontName=font, fontSize=9, leading=13, textColor=colors.grey),
        "right": ParagraphStyle("right", fontName=font, fontSize=11, leading=18, alignment=TA_RIGHT),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text if text not in (None, "") else "—")).replace("\n", "<br/>"), style)


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M") if value else "—"


def _day(value: Any) -> str:
    return value.strftime("%Y年%m月%d日") if value else "—"


def _applicant_id(case: Case) -> str:
    if case.applicant_kind == ApplicantKind.ENTERPRISE and case.applicant_uscc:
        return case.applicant_uscc
    return mask_id_number(case.applicant_id_number) if case.applicant_id_number else "—"


def _place(case: Case) -> str:
    if case.window_id and case.window is not None:
        return f"{case.window.hall.name} {case.window.number}号窗口"
    if case.hall_id and case.hall is not None:
        return case.hall.name
    if case.kiosk_id and case.kiosk is not None:
        return case.kiosk.name
    return case.get_channel_display()


def tracking_path(case: Case) -> str:
    """The portal page of the case (``cases:portal_case``)."""
    try:
        return reverse("cases:portal_case", kwargs={"case_id": case.pk})
    except NoReverseMatch:
        return f"/cases/{case.pk}/"


def tracking_url(case: Case) -> str:
    base = str(getattr(settings, "PUBLIC_URL", "") or "")
    return f"{base}{tracking_path(case)}" if base else ""


def _qr(url: str, size: float = 28 * mm) -> Drawing:
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def _table(rows: list[list[Any]], widths: list[float], *, header: bool = False) -> Table:
    table = Table(rows, colWidths=widths)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(style))
    return table


def _facts(case: Case, s: dict[str, ParagraphStyle], extra: list[tuple[str, Any]] | None = None) -> Table:
    rows = [
        ("办件编号", case.number),
        ("事项名称", case.version.name),
        ("实施编码", case.version.code),
        ("实施部门", case.department.name),
        ("申请人", case.applicant_name),
        ("证件号码", _applicant_id(case)),
        ("联系电话", mask_mobile(case.applicant_mobile) if case.applicant_mobile else "—"),
        ("收件时间", _when(case.received_at)),
        ("受理地点", _place(case)),
        *(extra or []),
    ]
    return _table([[_p(k, s["cell"]), _p(v, s["cell"])] for k, v in rows], [32 * mm, 138 * mm])


def _footer(case: Case, s: dict[str, ParagraphStyle], signer: str = "") -> list[Flowable]:
    return [
        Spacer(1, 14 * mm),
        _p(signer or case.department.name, s["right"]),
        _p("（受理专用章）", s["right"]),
        _p(_day(timezone.localdate()), s["right"]),
    ]


def _materials_table(case: Case, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    materials = selectors.case_materials(case)
    if not materials:
        return [_p("（无）", s["body"])]
    rows: list[list[Any]] = [[_p(h, s["cell"]) for h in ("序号", "材料名称", "提交方式", "页数")]]
    for index, material in enumerate(materials, start=1):
        if material.deferred and material.supplied_at is None:
            how = f"容缺，{_day(material.deferred_due)}前补交"
        elif material.licence_reference:
            how = "电子证照（免提交）"
        elif material.checked_on_paper:
            how = "纸质原件已核验"
        elif material.deferred:
            how = "容缺材料已补交"
        else:
            how = "电子文件"
        rows.append(
            [
                _p(index, s["cell"]),
                _p(material.name, s["cell"]),
                _p(how, s["cell"]),
                _p(material.pages or "—", s["cell"]),
            ]
        )
    return [_table(rows, [14 * mm, 86 * mm, 50 * mm, 20 * mm], header=True)]


def _acceptance(case: Case, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    accepted = case.accepted_at is not None and case.status not in (
        CaseStatus.SUBMITTED,
        CaseStatus.CORRECTION_REQUESTED,
    )
    title = "受理通知书" if accepted else "收件回执"
    extra: list[tuple[str, Any]] = []
    if accepted:
        extra += [("受理时间", _when(case.accepted_at)), ("承诺办结期限", _when(case.due_at))]
        extra += [("承诺时限", f"{case.version.promised_limit_days}个工作日")]
    else:
        extra += [("当前状态", case.get_status_display())]
    story: list[Flowable] = [
        _p(title, s["title"]),
        _p(f"{case.department.name}　{case.number}", s["subtitle"]),
        Spacer(1, 6 * mm),
    ]
    if accepted:
        intro = (
            f"{case.applicant_name}：您申请的“{case.version.name}”，经审查，申请材料齐全、符合法定形式，"
            f"本机关决定予以受理，将于{_when(case.due_at)}前办结（法定节假日不计入；补正、听证、"
            "现场勘验、专家评审等时间不计入办理时限）。"
        )
    else:
        intro = (
            f"{case.applicant_name}：已收到您申请“{case.version.name}”的材料，"
            "本机关将依法审查并作出是否受理的决定。"
        )
    story += [_p(intro, s["body"]), Spacer(1, 4 * mm), _facts(case, s, extra), Spacer(1, 5 * mm)]
    story += [_p("收取材料清单", s["body"]), Spacer(1, 2 * mm), *_materials_table(case, s)]
    url = tracking_url(case)
    if url:
        story += [Spacer(1, 5 * mm), _qr(url), _p(f"扫码或访问 {url} 查询办理进度", s["small"])]
    else:
        story += [Spacer(1, 5 * mm), _p(f"凭办件编号 {case.number} 在网上办事大厅查询办理进度。", s["small"])]
    return story + _footer(case, s)


def _rejection(case: Case, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    if case.status != CaseStatus.NOT_ACCEPTED:
        raise NotFound("该办件没有不予受理决定。")
    change = selectors.last_change(case, CaseAction.REJECT)
    data = change.data if change is not None else {}
    story: list[Flowable] = [
        _p("不予受理决定书", s["title"]),
        _p(f"{case.department.name}　{case.number}", s["subtitle"]),
        Spacer(1, 6 * mm),
        _p(f"{case.applicant_name}：", s["body"]),
        _p(
            f"你（单位）于{_when(case.received_at)}提出的“{case.version.name}”申请，经审查，本机关决定不予受理。",
            s["body"],
        ),
        Spacer(1, 3 * mm),
        _facts(case, s, [("决定时间", _when(change.occurred_at if change else None))]),
        Spacer(1, 4 * mm),
        _p("不予受理理由：", s["body"]),
        _p(data.get("reasons") or (change.note if change else ""), s["body"]),
        Spacer(1, 2 * mm),
        _p("法律依据：", s["body"]),
        _p(data.get("legal_basis") or "《中华人民共和国行政许可法》第三十二条", s["body"]),
        Spacer(1, 4 * mm),
        _p(
            "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
            "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。",
            s["body"],
        ),
    ]
    return story + _footer(case, s)


def _correction(case: Case, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    correction = selectors.latest_correction(case)
    if correction is None:
        raise NotFound("该办件没有补正告知。")
    rows: list[list[Any]] = [[_p(h, s["cell"]) for h in ("序号", "需补正的材料或事项", "补正要求")]]
    for index, item in enumerate(correction.items, start=1):
        rows.append(
            [_p(index, s["cell"]), _p(item.get("target"), s["cell"]), _p(item.get("reason"), s["cell"])]
        )
    story: list[Flowable] = [
        _p("补正材料通知书", s["title"]),
        _p(f"{case.department.name}　{case.number}", s["subtitle"]),
        Spacer(1, 6 * mm),
        _p(f"{case.applicant_name}：", s["body"]),
        _p(
            f"你（单位）于{_when(case.received_at)}提出的“{case.version.name}”申请，申请材料不齐全或不符合法定形式。"
            "根据《中华人民共和国行政许可法》第三十二条，现一次性告知需要补正的全部内容如下：",
            s["body"],
        ),
        Spacer(1, 3 * mm),
        _table(rows, [14 * mm, 66 * mm, 90 * mm], header=True),
        Spacer(1, 4 * mm),
        _p(
            f"请于{_day(correction.respond_by)}前补正。补正期间不计入办理时限；逾期未补正的，本机关将依法不予受理。",
            s["body"],
        ),
        Spacer(1, 3 * mm),
        _facts(case, s, [("告知时间", _when(correction.requested_at))]),
    ]
    return story + _footer(case, s)


_BUILDERS: dict[str, Callable[[Case, dict[str, ParagraphStyle]], list[Flowable]]] = {
    "acceptance": _acceptance,
    "rejection": _rejection,
    "correction": _correction,
}
TITLES: Final = {"acceptance": "受理通知书", "rejection": "不予受理决定书", "correction": "补正材料通知书"}


def render(case: Case, kind: str) -> bytes:
    """The PDF of document `kind` for `case`; NotFound when the case has no such document."""
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise NotFound("没有这种文书。")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLES[kind]} {case.number}",
        author=case.department.name,
        subject=case.number,
    )
    doc.build(builder(case, _styles()))
    return buffer.getvalue()


def acceptance_slip_pdf(case: Case) -> bytes:
    return render(case, "acceptance")


def rejection_notice_pdf(case: Case) -> bytes:
    return render(case, "rejection")


def correction_notice_pdf(case: Case) -> bytes:
    return render(case, "correction")
