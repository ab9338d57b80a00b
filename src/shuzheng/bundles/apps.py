from django.apps import AppConfig


class BundlesConfig(AppConfig):
    name = "shuzheng.bundles"
    label = "bundles"
    verbose_name = "一件事主题服务"

    def ready(self) -> None:
        # The parent follows its child cases: cases cannot import bundles, so it announces status moves.
        from shuzheng.bundles.services.children import on_case_status_changed
        from shuzheng.cases.signals import case_status_changed

        case_status_changed.connect(on_case_status_changed, dispatch_uid="bundles.child_case_moved")
