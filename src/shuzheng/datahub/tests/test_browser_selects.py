"""Select boxes of the data-hub workbench show their choices whole (issue 9: the catalog's were cut off):
at common desktop widths every select is at least as wide as its longest choice."""

from __future__ import annotations

from typing import Any

import pytest

from shuzheng.datahub.tests.conftest import Hub, make_entry, people
from shuzheng.orgs.tests.factories import DepartmentFactory
from shuzheng.web.tests.browser import BROWSER_TESTS

pytestmark = BROWSER_TESTS

#: For each select: the width its longest choice needs (text, padding, border and the arrow) and its own.
MEASURE = """() => {
  const canvas = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('main select, #content select, form select')].map(s => {
    const style = getComputedStyle(s);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = Math.max(...[...s.options].map(o => canvas.measureText(o.text).width));
    const chrome = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight)
      + parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth) + 20;
    return [s.name, Math.ceil(text + chrome), s.getBoundingClientRect().width];
  });
}"""


@pytest.mark.parametrize("width", [1366, 1024])
@pytest.mark.parametrize("path", ["catalog/", "catalog/new/"])
def test_selects_are_not_cut_off(
    hub: Hub, open_as: Any, live_server: Any, drop_mounted_tables: None, width: int, path: str
) -> None:
    DepartmentFactory.create(code="TX99", name="江门市住房公积金管理中心恩平管理部", division=hub.city)
    make_entry(hub, rows=people()[:1])
    page = open_as(hub.admin)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/workbench/datahub/{path}", timeout=60_000)
    measured = page.evaluate(MEASURE)
    assert measured
    cut = [(name, needed, round(actual)) for name, needed, actual in measured if actual + 1 < needed]
    assert not cut
