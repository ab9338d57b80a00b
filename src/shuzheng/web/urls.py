from django.urls import path

from shuzheng.web import views, views_notifications

app_name = "web"

urlpatterns = [
    # citizen portal (public)
    path("favicon.ico", views.favicon, name="favicon"),
    path("", views.portal_home, name="portal"),
    path("halls/<str:code>/", views.hall_detail, name="hall_detail"),
    # the notification centre (the caller's own inbox)
    path("notifications/", views_notifications.portal_notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        views_notifications.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        views_notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    # staff workbench (login + staff second factor)
    path("workbench/", views.workbench_home, name="workbench"),
    path("workbench/profile/", views.profile, name="profile"),
    path("workbench/orgs/", views.workbench_orgs, name="workbench_orgs"),
    path("workbench/audit/", views.workbench_audit, name="workbench_audit"),
    path(
        "workbench/notifications/",
        views_notifications.workbench_notifications,
        name="workbench_notifications",
    ),
]
