"""URLs of the CKAN Action API (mounted at the site root by config/urls.py)."""

from django.urls import path, re_path

from shuzheng.datahub.ckan import views as ckan

urlpatterns = [
    # /api/3/action/<name> as documented by CKAN; /api/action/<name> is what the ckanapi client calls.
    re_path(r"^api/3/action/(?P<name>[^/]{1,100})/?$", ckan.action, name="ckan-action"),
    re_path(r"^api/action/(?P<name>[^/]{1,100})/?$", ckan.action, name="ckan-action-unversioned"),
    re_path(r"^api/3/?$", ckan.version, name="ckan-version"),
    path(
        "dataset/<int:package_id>/resource/<int:resource_id>/download/<str:filename>",
        ckan.resource_file,
        name="ckan-resource-file",
    ),
]
