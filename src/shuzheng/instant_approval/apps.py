from django.apps import AppConfig


class InstantApprovalConfig(AppConfig):
    name = "shuzheng.instant_approval"
    label = "instant_approval"
    verbose_name = "秒批"

    def ready(self) -> None:
        from shuzheng.cases import panels
        from shuzheng.cases.signals import case_status_changed
        from shuzheng.instant_approval.receivers import on_case_status_changed
        from shuzheng.instant_approval.views_workbench import case_panel

        case_status_changed.connect(on_case_status_changed, dispatch_uid="instant_approval.case_submitted")
        panels.register("instant_approval", case_panel)
