from django.apps import AppConfig


class DatahubConfig(AppConfig):
    name = "shuzheng.datahub"
    label = "datahub"
    verbose_name = "数据中台"
