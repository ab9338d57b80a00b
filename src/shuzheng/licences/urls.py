"""Pages of 电子证照与电子印章: the wallet (portal), public verification, and the workbench."""

from django.urls import path

from shuzheng.licences import views_portal, views_verify, views_workbench

app_name = "licences"

urlpatterns = [
    # portal: 我的证照
    path("licences/", views_portal.wallet, name="wallet"),
    path("licences/<int:licence_id>/", views_portal.licence_detail, name="detail"),
    path("licences/<int:licence_id>/pdf/", views_portal.licence_pdf, name="pdf"),
    path("licences/decisions/<int:document_id>/pdf/", views_portal.decision_pdf, name="decision_pdf"),
    # public verification
    path("verify/licence/", views_verify.verify_form, name="verify_form"),
    path("verify/licence/<str:identifier>/", views_verify.verify, name="verify"),
    path("verify/shared/<str:token>/", views_verify.shared, name="shared"),
    # workbench
    path("workbench/seals/", views_workbench.seal_list, name="seal_list"),
    path("workbench/seals/<int:seal_id>/", views_workbench.seal_detail, name="seal_detail"),
    path("workbench/seals/<int:seal_id>/image.svg", views_workbench.seal_image, name="seal_image"),
    path("workbench/seals/<int:seal_id>/image.png", views_workbench.seal_png, name="seal_png"),
    path("workbench/seals/<int:seal_id>/<str:action>/", views_workbench.seal_action, name="seal_action"),
    path("workbench/licences/", views_workbench.licence_list, name="workbench_licences"),
    path("workbench/licences/issue/", views_workbench.licence_issue, name="workbench_issue"),
    path("workbench/licences/<int:licence_id>/", views_workbench.licence_detail, name="workbench_licence"),
]
