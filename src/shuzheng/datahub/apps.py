from django.apps import AppConfig


class DatahubConfig(AppConfig):
    name = "shuzheng.datahub"
    label = "datahub"
    verbose_name = "数据中台"

    def ready(self) -> None:
        from shuzheng.datahub import credentials

        credentials.connect()
