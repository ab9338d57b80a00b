from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "shuzheng.appeals"
    label = "appeals"
    verbose_name = "诉求（12345·网格·城管）"
