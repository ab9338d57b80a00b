"""The open-data portal's search and filter form (public pages)."""

from __future__ import annotations

from typing import Any, Final, cast

from django import forms

from shuzheng.datahub.models import OpenTopic
from shuzheng.datahub.selectors import open_data as open_data_selectors

DATASETS_PER_PAGE: Final = 20
MAX_QUERY: Final = 100
MAX_PAGE: Final = open_data_selectors.OPEN_SEARCH_LIMIT // DATASETS_PER_PAGE

SORT_CHOICES: Final = (
    ("relevance", "相关度"),
    ("newest", "最近更新"),
    ("downloads", "下载最多"),
    ("name", "名称（标识）"),
)


def dataset_count(topic: OpenTopic) -> int:
    """The active datasets of a topic (annotated by ``open_data_selectors.open_topics``)."""
    return int(getattr(topic, "dataset_count", 0))


class OpenDataFilterForm(forms.Form):
    """The portal's search and filter parameters; choices are what the portal actually holds."""

    q = forms.CharField(
        label="搜索开放数据",
        required=False,
        max_length=MAX_QUERY,
        widget=forms.SearchInput(attrs={"placeholder": "如：人口、停车场、空气质量"}),
    )
    department = forms.ChoiceField(label="提供部门", required=False)
    topic = forms.ChoiceField(label="主题", required=False)
    format = forms.ChoiceField(label="格式", required=False)
    tag = forms.CharField(label="标签", required=False, max_length=100)
    sort = forms.ChoiceField(label="排序", required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(label="页码", required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args: Any, organizations: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choose(
            "department",
            "全部部门",
            [(o["code"], f"{o['name']}（{o['dataset_count']}）") for o in organizations],
        )
        topics = open_data_selectors.open_topics()
        self._choose("topic", "全部主题", [(t.name, f"{t.title}（{dataset_count(t)}）") for t in topics])
        self._choose("format", "全部格式", [(f, f) for f in open_data_selectors.open_formats()])
        for name in ("department", "topic", "format", "sort"):
            self.fields[name].error_messages["invalid_choice"] = (
                f"没有这个{self.fields[name].label}：%(value)s"
            )
        self.fields["page"].error_messages.update(
            {
                "invalid": "页码应为正整数",
                "min_value": "页码应为正整数",
                "max_value": f"最多显示前 {MAX_PAGE} 页，请缩小搜索范围",
            }
        )

    def _choose(self, name: str, everything: str, choices: list[tuple[str, str]]) -> None:
        field = cast(forms.ChoiceField, self.fields[name])
        field.choices = [("", everything), *choices]

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())

    def clean_tag(self) -> str:
        return str(self.cleaned_data.get("tag") or "").strip()
