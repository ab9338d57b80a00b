from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "shuzheng.cases"
    label = "cases"
    verbose_name = "办件"
