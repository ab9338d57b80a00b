from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "shuzheng.licences"
    label = "licences"
    verbose_name = "电子证照与电子印章"

    def ready(self) -> None:
        from shuzheng.cases.signals import case_status_changed
        from shuzheng.licences.receivers import on_case_status_changed

        case_status_changed.connect(on_case_status_changed, dispatch_uid="licences.case_status_changed")
