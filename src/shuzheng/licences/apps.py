from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "shuzheng.licences"
    label = "licences"
    verbose_name = "电子证照与电子印章"
