"""Settings of the bare baseline: the platform's database (DATABASE_URL, same connection reuse), nothing
else — no middleware, no sessions, no templates."""

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = "bench-bare-baseline-not-secret"  # noqa: S105 - serves 127.0.0.1 only, no sessions or signing
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["bench.bare"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.bare.urls"
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("SHUZHENG_DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
