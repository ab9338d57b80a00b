"""Back office for holiday overrides (节假日调整): next year's schedule is entered here in November."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest

from shuzheng.core import calendar, services
from shuzheng.core.models import HolidayOverride

_WEEKDAYS = "一二三四五六日"


class YearFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            HolidayOverride.objects.annotate(year=ExtractYear("day"))
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(year), f"{year}年") for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(day__year=int(value))
        return queryset


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ("day", "weekday", "kind", "name", "package_says", "updated_at")
    list_filter = ("kind", YearFilter)
    search_fields = ("name",)
    date_hierarchy = "day"
    ordering = ("-day",)
    fields = ("day", "kind", "name")

    @admin.display(description="星期")
    def weekday(self, obj: HolidayOverride) -> str:
        return f"星期{_WEEKDAYS[obj.day.weekday()]}"

    @admin.display(description="内置日历判定")
    def package_says(self, obj: HolidayOverride) -> str:
        status = calendar.official_status(obj.day)
        if status is None:
            return "未收录该年份"
        return "工作日" if status else "休息日"

    # Writes go through the audited services, which also refresh the calendar cache.
    def save_model(self, request: HttpRequest, obj: HolidayOverride, form: Any, change: bool) -> None:
        services.holiday_override_save(actor=request.user, override=obj)

    def delete_model(self, request: HttpRequest, obj: HolidayOverride) -> None:
        services.holiday_override_delete(actor=request.user, override=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[HolidayOverride]) -> None:
        for override in queryset:
            services.holiday_override_delete(actor=request.user, override=override)
