from django.apps import AppConfig


class InstantApprovalConfig(AppConfig):
    name = "shuzheng.instant_approval"
    label = "instant_approval"
    verbose_name = "秒批"
