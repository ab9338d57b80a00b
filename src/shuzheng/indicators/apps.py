from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "shuzheng.indicators"
    label = "indicators"
    verbose_name = "规划指标"
