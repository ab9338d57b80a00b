from django.urls import path

from shuzheng.identity import views_login

app_name = "identity"

urlpatterns = [
    path("login/", views_login.login_view, name="login"),
    path("otp/", views_login.otp_view, name="otp"),
    path("otp/setup/", views_login.otp_setup_view, name="otp_setup"),
    path("logout/", views_login.logout_view, name="logout"),
]
