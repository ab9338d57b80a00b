"""Local demo: debug pages off, TOTP bypass on (staff log in with a password only)."""

from .base import *  # noqa: F403
from .base import STATIC_ROOT, env

SHUZHENG_STAFF_OTP_REQUIRED = False
# The demo serves static files straight from the apps, no collectstatic step.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
# Notification copies by email and SMS, both printed on the console (no mail server, no SMS gateway).
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
SHUZHENG_NOTIFIERS = env.list(
    "SHUZHENG_NOTIFIERS",
    default=["shuzheng.core.notifications.email_notifier", "shuzheng.core.notifications.sms_notifier"],
)
