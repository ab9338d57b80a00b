"""Login (password, then TOTP for staff), logout — filled in by the identity work."""

from django.http import HttpRequest, HttpResponse


def login_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("login")


def otp_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("otp")


def logout_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("logout")


def lockout_response(request: HttpRequest, credentials: dict | None = None, *args: object,
                     **kwargs: object) -> HttpResponse:
    return HttpResponse("locked", status=429)
