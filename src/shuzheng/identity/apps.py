from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "shuzheng.identity"
    label = "identity"
    verbose_name = "身份与审计"
