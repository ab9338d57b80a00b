"""Settings read from the environment (django-environ); every variable is in docs/configuration.md."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[4]
SRC_DIR = BASE_DIR / "src" / "shuzheng"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("SHUZHENG_DEBUG", default=False)
# The default key only serves a local demo; production sets SHUZHENG_SECRET_KEY.
SECRET_KEY = env.str("SHUZHENG_SECRET_KEY", default="insecure-demo-key-change-me-0123456789abcdef")
ALLOWED_HOSTS = env.list("SHUZHENG_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("SHUZHENG_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "oauth2_provider",
    "django_prometheus",
    "shuzheng.core",
    "shuzheng.orgs",
    "shuzheng.identity",
    "shuzheng.catalog",
    "shuzheng.cases",
    "shuzheng.evaluation",
    "shuzheng.appeals",
    "shuzheng.datahub",
    "shuzheng.web",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "shuzheng.core.middleware.RequestContextMiddleware",
    "shuzheng.core.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shuzheng.identity.middleware.IdleTimeoutMiddleware",
    "shuzheng.identity.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "shuzheng.config.urls"
WSGI_APPLICATION = "shuzheng.config.wsgi.application"
ASGI_APPLICATION = "shuzheng.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shuzheng.web.context_processors.platform",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------
DATA_DIR = Path(env.str("SHUZHENG_DATA_DIR", default=str(BASE_DIR / "var")))
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("SHUZHENG_DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "shuzheng.sqlite3",
            # IMMEDIATE serialises writers up front, so read-then-write (audit chain, sequences)
            # cannot interleave; WAL is switched on in core.apps for every new connection.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache --------------------------------------------------------------------
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shuzheng"}}

# --- identity and login security ----------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shuzheng.identity.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "shuzheng.identity.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "shuzheng.identity.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "shuzheng.identity.passwords.NotUsernameValidator"},
    {"NAME": "shuzheng.identity.passwords.HistoryValidator", "OPTIONS": {"depth": 5}},
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "web:workbench"
LOGOUT_REDIRECT_URL = "web:portal"

AXES_FAILURE_LIMIT = env.int("SHUZHENG_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("SHUZHENG_LOGIN_LOCKOUT_MINUTES", default=30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# Lock by account, not by IP: a whole service hall shares one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "shuzheng.identity.views.lockout_response"

SESSION_COOKIE_AGE = env.int("SHUZHENG_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SHUZHENG_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
IDLE_TIMEOUT_SECONDS = SESSION_COOKIE_AGE
# Staff must pass a TOTP second factor; only the demo settings switch this off.
SHUZHENG_STAFF_OTP_REQUIRED = True
OTP_TOTP_ISSUER = "数政 shuzheng"

# --- OpenID Connect provider (SSO) ---------------------------------------------
OIDC_RSA_PRIVATE_KEY = env.str("SHUZHENG_OIDC_RSA_PRIVATE_KEY", default="", multiline=True)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "身份标识", "profile": "姓名与账号", "email": "电子邮箱"},
    "OAUTH2_VALIDATOR_CLASS": "shuzheng.identity.oidc.ShuzhengOIDCValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # RFC 9700 (OAuth security BCP): only S256 PKCE, no implicit or password grant, no tokens in URLs.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
}
# The public base URL fixes the OIDC issuer; unset, it is derived from each request's host.
PUBLIC_URL = env.str("SHUZHENG_PUBLIC_URL", default="").rstrip("/")
if PUBLIC_URL:
    OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"] = f"{PUBLIC_URL}/o"

# --- national crypto ---------------------------------------------------------
# SM4 keys for personal-data fields: "id:hex32,id:hex32"; the first is used to encrypt.
# The default key is public and only fit for a demo; production must set its own.
SHUZHENG_FIELD_KEYS = env.str("SHUZHENG_FIELD_KEYS", default="demo:00112233445566778899aabbccddeeff")
SHUZHENG_SM2_PRIVATE_KEY = env.str("SHUZHENG_SM2_PRIVATE_KEY", default="")

# --- audit ---------------------------------------------------------------------
AUDIT_RETENTION_DAYS = env.int("SHUZHENG_AUDIT_RETENTION_DAYS", default=180)
AUDIT_ARCHIVE_DIR = Path(env.str("SHUZHENG_AUDIT_ARCHIVE_DIR", default=str(DATA_DIR / "audit-archive")))

# --- notifications ------------------------------------------------------------
# Dotted paths of callables that deliver copies of in-app notifications, e.g.
# "shuzheng.core.notifications.email_notifier"; empty means in-app only.
SHUZHENG_NOTIFIERS = env.list("SHUZHENG_NOTIFIERS", default=[])

# --- background work -----------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Workers log through settings.LOGGING (JSON lines, redaction) instead of Celery's own plain-text setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Asia/Shanghai"

# --- language, time, static ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
OFFICE_HOURS = (
    env.str("SHUZHENG_OFFICE_OPENS", default="08:30"),
    env.str("SHUZHENG_OFFICE_CLOSES", default="17:30"),
)

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("SHUZHENG_STATIC_ROOT", default=str(DATA_DIR / "static")))
MEDIA_ROOT = Path(env.str("SHUZHENG_MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- limits -----------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("SHUZHENG_MAX_BODY_BYTES", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- security headers ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- operations -------------------------------------------------------------------
METRICS_TOKEN = env.str("SHUZHENG_METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("SHUZHENG_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# Reverse proxies (addresses or CIDR) whose X-Forwarded-For / X-Forwarded-Proto are believed: the client
# address in audit events and logs, and https for CSRF origins and OIDC URLs behind TLS termination.
TRUSTED_PROXIES = env.list("SHUZHENG_TRUSTED_PROXIES", default=[])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LOG_LEVEL = env.str("SHUZHENG_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "shuzheng.core.logging.json_formatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
