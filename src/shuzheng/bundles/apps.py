from django.apps import AppConfig


class BundlesConfig(AppConfig):
    name = "shuzheng.bundles"
    label = "bundles"
    verbose_name = "一件事主题服务"
