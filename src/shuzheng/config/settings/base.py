"""Settings read from the environment (django-environ); every variable is in docs/configuration.md."""

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parents[4]
SRC_DIR = BASE_DIR / "src" / "shuzheng"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("SHUZHENG_DEBUG", default=False)
# The default key only serves a local demo; production sets SHUZHENG_SECRET_KEY.
SECRET_KEY = env.str("SHUZHENG_SECRET_KEY", default="insecure-demo-key-change-me-0123456789abcdef")
ALLOWED_HOSTS = env.list("SHUZHENG_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("SHUZHENG_CSRF_TRUSTED_ORIGINS", default=[])
# A refused form post (expired page, cookies off) gets a Chinese page in the site's layout.
CSRF_FAILURE_VIEW = "shuzheng.core.views.csrf_failure"

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
    # django-ninja as an app: Swagger UI at /api/v1/docs loads its bundled copy from our static files
    # instead of a CDN.
    "ninja",
    "shuzheng.core",
    "shuzheng.orgs",
    "shuzheng.identity",
    "shuzheng.catalog",
    "shuzheng.cases",
    "shuzheng.evaluation",
    "shuzheng.appeals",
    "shuzheng.datahub",
    "shuzheng.licences",
    "shuzheng.instant_approval",
    "shuzheng.bundles",
    "shuzheng.indicators",
    "shuzheng.web",
    # Django's form widget templates, after shuzheng.web, whose copies override some (the file input)
    "django.forms",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "shuzheng.core.middleware.RequestContextMiddleware",
    "shuzheng.core.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, reading the session's device through the shared cache when configured
    "shuzheng.identity.principals.CachedOTPMiddleware",
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

# Form widgets render through TEMPLATES, so shuzheng.web's widget templates apply to every form.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
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
# Authorization snapshots (identity.authz) live this long in the cache; only worth it (and only safe for
# sessions) when the cache is shared by every app process, i.e. with Redis.
SHUZHENG_AUTHZ_CACHE_SECONDS = env.int(
    "SHUZHENG_AUTHZ_CACHE_SECONDS", default=300 if env.str("REDIS_URL", default="") else 0
)
if env.str("REDIS_URL", default=""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

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
# models.W040: covering-index INCLUDE columns (PostgreSQL) are simply left out on SQLite.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "shuzheng.identity.views_login.lockout_response"

SESSION_COOKIE_AGE = env.int("SHUZHENG_SESSION_IDLE_MINUTES", default=30) * 60
# The session (and its expiry) is saved when IdleTimeoutMiddleware records activity, at most once a minute.
SESSION_SAVE_EVERY_REQUEST = False
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
    # Only the code flow: no implicit or hybrid response types that put tokens in the front channel.
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
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
# Sealing into signed Merkle tree heads (docs/decisions/0002-audit-merkle-log.md).
AUDIT_SEAL_SECONDS = env.float("SHUZHENG_AUDIT_SEAL_SECONDS", default=1.0)
AUDIT_SEAL_LOOKBACK_SECONDS = env.float("SHUZHENG_AUDIT_SEAL_LOOKBACK_SECONDS", default=300.0)
# The SM2 key signing tree heads: hex private key, or a file holding it; unset, a demo key in DATA_DIR.
AUDIT_SIGNING_KEY = env.str("SHUZHENG_AUDIT_SIGNING_KEY", default="")
AUDIT_SIGNING_KEY_FILE = env.str("SHUZHENG_AUDIT_SIGNING_KEY_FILE", default="")
# Hex public keys of earlier (rotated) signing keys whose heads must still verify.
AUDIT_VERIFY_KEYS = env.list("SHUZHENG_AUDIT_VERIFY_KEYS", default=[])
# Every signed head is appended here (outside the database) and optionally POSTed to a second server.
AUDIT_HEAD_LOG = Path(env.str("SHUZHENG_AUDIT_HEAD_LOG", default=str(DATA_DIR / "audit-heads.jsonl")))
AUDIT_HEAD_MIRROR_URL = env.str("SHUZHENG_AUDIT_HEAD_MIRROR_URL", default="")

# --- notifications ------------------------------------------------------------
# Dotted paths of callables that deliver copies of in-app notifications, e.g.
# "shuzheng.core.notifications.email_notifier"; empty means in-app only.
SHUZHENG_NOTIFIERS = env.list("SHUZHENG_NOTIFIERS", default=[])
# The SMS gateway of shuzheng.core.notifications.sms_notifier: a class with send(mobile=, text=).
SHUZHENG_SMS_BACKEND = env.str(
    "SHUZHENG_SMS_BACKEND", default="shuzheng.core.notifications.ConsoleSmsBackend"
)

# --- evaluation (好差评) --------------------------------------------------------
# Working days a department has to rectify a bad review (the Guangdong practice is 15).
SHUZHENG_RECTIFICATION_DAYS = env.int("SHUZHENG_RECTIFICATION_DAYS", default=15)
# Hall/window QR evaluations accepted per client address per hour (stops spamming the public form).
SHUZHENG_QR_EVALUATIONS_PER_HOUR = env.int("SHUZHENG_QR_EVALUATIONS_PER_HOUR", default=10)

# --- cases (办件) ----------------------------------------------------------------
# A running case turns "warning" this many working days before its promised due date.
SHUZHENG_CASE_WARNING_DAYS = env.int("SHUZHENG_CASE_WARNING_DAYS", default=2)

# --- appeals (一网统管: 12345, grid events, city management) ----------------------------
# The city whose divisions may receive appeals, and a bounding box (south,west,north,east) for coordinates.
# The city the platform serves, as users read it (portal title, SMS signature); the demo's is Enping.
SHUZHENG_CITY_NAME = env.str("SHUZHENG_CITY_NAME", default="恩平市")
SHUZHENG_APPEAL_CITY_DIVISION = env.str("SHUZHENG_APPEAL_CITY_DIVISION", default="440785")
SHUZHENG_APPEAL_BBOX = [
    float(x) for x in env.list("SHUZHENG_APPEAL_BBOX", default=["21.9", "111.9", "22.6", "112.6"])
]
# The map of open appeals (诉求统计): the city's centre (latitude,longitude, WGS 84) and a JSON file of
# its towns' approximate centres ({"town name": [latitude, longitude]}; empty: only appeals with their own
# coordinates are drawn). The defaults are the demo city's (Enping).
SHUZHENG_MAP_CENTRE = [float(x) for x in env.list("SHUZHENG_MAP_CENTRE", default=["22.183", "112.305"])]
SHUZHENG_MAP_TOWNS_FILE = env.str(
    "SHUZHENG_MAP_TOWNS_FILE",
    default=str(Path(__file__).resolve().parents[2] / "appeals" / "data" / "enping_town_centres.json"),
)
# Time limits in working days per appeal type (咨询, 求助, 投诉, 举报, 建议; 表扬 has none).
SHUZHENG_APPEAL_SLA_DAYS = env.dict(
    "SHUZHENG_APPEAL_SLA_DAYS",
    cast={"value": int},
    default={"consult": 1, "help": 3, "complaint": 13, "report": 13, "suggestion": 15},
)
# Urgent (紧急) and critical (特急) appeals run on clock hours instead.
SHUZHENG_APPEAL_URGENT_HOURS = env.int("SHUZHENG_APPEAL_URGENT_HOURS", default=24)
SHUZHENG_APPEAL_CRITICAL_HOURS = env.int("SHUZHENG_APPEAL_CRITICAL_HOURS", default=2)
# 中小微企业 fast-response track: limits shrink to this percentage (rounded up, at least 1 working day).
SHUZHENG_APPEAL_ENTERPRISE_PERCENT = env.int("SHUZHENG_APPEAL_ENTERPRISE_PERCENT", default=50)
SHUZHENG_APPEAL_WARNING_HOURS = env.int("SHUZHENG_APPEAL_WARNING_HOURS", default=24)
SHUZHENG_APPEAL_VISIT_DAYS = env.int("SHUZHENG_APPEAL_VISIT_DAYS", default=3)
SHUZHENG_APPEAL_MAX_TEXT = env.int("SHUZHENG_APPEAL_MAX_TEXT", default=2000)
SHUZHENG_APPEAL_MAX_PHOTO_BYTES = env.int("SHUZHENG_APPEAL_MAX_PHOTO_BYTES", default=2 * 1024 * 1024)
# Merge proposals (并单): same category, same village or within the radius, similar text, recent.
SHUZHENG_APPEAL_MERGE_RADIUS_M = env.int("SHUZHENG_APPEAL_MERGE_RADIUS_M", default=500)
SHUZHENG_APPEAL_MERGE_DAYS = env.int("SHUZHENG_APPEAL_MERGE_DAYS", default=30)
SHUZHENG_APPEAL_MERGE_SIMILARITY = env.float("SHUZHENG_APPEAL_MERGE_SIMILARITY", default=0.35)
# The classifier dispatches on its own only above this probability (and when no rule matched).
SHUZHENG_DISPATCH_CONFIDENCE = env.float("SHUZHENG_DISPATCH_CONFIDENCE", default=0.6)

# --- data hub (数据中台) -----------------------------------------------------------
# Working days a department has to decide a sharing request before it counts as timed out against it.
SHUZHENG_SHARING_DECISION_DAYS = env.int("SHUZHENG_SHARING_DECISION_DAYS", default=5)
# Default data-service calls per minute of a new API credential (each credential may set its own).
SHUZHENG_DATA_RATE_LIMIT_PER_MINUTE = env.int("SHUZHENG_DATA_RATE_LIMIT_PER_MINUTE", default=60)
# Most rows one CSV/xlsx upload may load into a mounted table.
SHUZHENG_DATA_UPLOAD_MAX_ROWS = env.int("SHUZHENG_DATA_UPLOAD_MAX_ROWS", default=200000)
# Rows of the demo natural-person base registry (`shuzheng generate-persons` adds more for benches).
SHUZHENG_DEMO_PERSONS = env.int("SHUZHENG_DEMO_PERSONS", default=3000)
# Hour (Asia/Shanghai) of the nightly data-quality run scheduled with Celery beat.
SHUZHENG_QUALITY_RUN_HOUR = env.int("SHUZHENG_QUALITY_RUN_HOUR", default=2)

# --- background work -----------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Workers log through settings.LOGGING (JSON lines, redaction) instead of Celery's own plain-text setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "datahub-quality-run": {
        "task": "shuzheng.datahub.tasks.run_quality",
        "schedule": crontab(minute=0, hour=SHUZHENG_QUALITY_RUN_HOUR),
    },
}
# Cases: deadline reminders hourly, unused uploads daily (both idempotent).
CELERY_BEAT_SCHEDULE["case-reminders"] = {
    "task": "shuzheng.cases.tasks.send_case_reminders",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["case-stale-uploads"] = {
    "task": "shuzheng.cases.tasks.purge_stale_uploads",
    "schedule": 24 * 3600.0,
}
# Audit: seal new events every AUDIT_SEAL_SECONDS; an hourly full sweep catches very long transactions.
CELERY_BEAT_SCHEDULE["audit-seal"] = {
    "task": "shuzheng.identity.tasks.seal_audit_log",
    "schedule": AUDIT_SEAL_SECONDS,
    "options": {"expires": max(AUDIT_SEAL_SECONDS * 5, 5.0)},
}
CELERY_BEAT_SCHEDULE["audit-seal-sweep"] = {
    "task": "shuzheng.identity.tasks.seal_audit_log",
    "schedule": 3600.0,
    "kwargs": {"full": True},
}
# Indicators: the daily snapshot of the 22 plan indicators (idempotent: one row per indicator and day).
CELERY_BEAT_SCHEDULE["indicator-snapshots"] = {
    "task": "shuzheng.indicators.tasks.snapshot_indicators",
    "schedule": crontab(minute=30, hour=1),
}
# Appeals: the dispatch router retrains weekly (Sunday 02:00) on history and dispatchers' corrections;
# a new version is activated only when it is not worse than the active one.
CELERY_BEAT_SCHEDULE["appeals-retrain-dispatch"] = {
    "task": "shuzheng.appeals.tasks.retrain_dispatch",
    "schedule": crontab(minute=0, hour=2, day_of_week=0),
}
# Licences: seals and e-licences past their validity are marked expired daily (idempotent).
CELERY_BEAT_SCHEDULE["licences-expire"] = {
    "task": "shuzheng.licences.tasks.expire_seals_and_licences",
    "schedule": crontab(minute=10, hour=0),
}
# Public e-licence verification: requests per client address and minute (negative: no limit).
SHUZHENG_LICENCE_VERIFICATIONS_PER_MINUTE = env.int("SHUZHENG_LICENCE_VERIFICATIONS_PER_MINUTE", default=60)
# Without a broker nothing runs beat, so each audited commit arms a seal within AUDIT_SEAL_SECONDS.
AUDIT_SEAL_AFTER_COMMIT = env.bool("SHUZHENG_AUDIT_SEAL_AFTER_COMMIT", default=not CELERY_BROKER_URL)

# 秒批: the share of automatic approvals drawn for a reviewer's sampling queue (0 none, 1 every one).
INSTANT_APPROVAL_REVIEW_SHARE = min(
    max(env.float("SHUZHENG_INSTANT_APPROVAL_REVIEW_SHARE", default=0.2), 0.0), 1.0
)

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
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files (case materials, results) go to S3-compatible object storage (MinIO, OSS, COS, OBS …)
# through django-storages when a bucket is named; otherwise to SHUZHENG_MEDIA_ROOT.
S3_BUCKET = env.str("SHUZHENG_S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("SHUZHENG_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("SHUZHENG_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("SHUZHENG_S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("SHUZHENG_S3_REGION", default="") or None,
            "addressing_style": env.str("SHUZHENG_S3_ADDRESSING_STYLE", default="path"),
            "location": env.str("SHUZHENG_S3_PREFIX", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- limits -----------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("SHUZHENG_MAX_BODY_BYTES", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Material uploads may be larger than other bodies, but only on the paths below (regular expressions
# matched against the request path); everywhere else SHUZHENG_MAX_BODY_BYTES applies.
SHUZHENG_MAX_UPLOAD_BYTES = env.int("SHUZHENG_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
SHUZHENG_UPLOAD_PATHS = [
    r"^/api/v1/cases/uploads$",
    # the case pages that post files (intake, online application, correction, delivery of the result)
    r"^/workbench/cases/intake/$",
    r"^/workbench/cases/\d+/act/deliver/$",
    r"^/cases/apply/[^/]+/$",
    r"^/cases/\d+/correction/$",
    # files attached to open datasets through the CKAN Action API
    r"^/api/(3/)?action/resource_create/?$",
    # CSV/xlsx rows loaded into a catalog entry's mounted table from the workbench
    r"^/workbench/datahub/catalog/\d+/upload/$",
]

# --- security headers ---------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and style sheets only from our own static files, so an
# injected <script>, on*= handler or <style> does not run. Style *attributes* stay allowed (CSP level 3
# style-src-attr): ECharts writes its tooltips as HTML with style attributes and the dashboards size
# charts with computed heights; an attribute cannot run script or load anything img-src/font-src refuse.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- operations -------------------------------------------------------------------
METRICS_TOKEN = env.str("SHUZHENG_METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("SHUZHENG_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# Reverse proxies (addresses or CIDR) whose X-Forwarded-For / X-Forwarded-Proto are believed: the client
# address in audit events and logs, and https for CSRF origins and OIDC URLs behind TLS termination.
TRUSTED_PROXIES = env.list("SHUZHENG_TRUSTED_PROXIES", default=[])
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only: plain-HTTP requests are redirected (probes excepted), and browsers are told to keep to HTTPS
# (HSTS, sent on secure responses only). HSTS is on by default once TLS is in the picture: redirected here
# or terminated by a trusted proxy.
SECURE_SSL_REDIRECT = env.bool("SHUZHENG_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int(
    "SHUZHENG_HSTS_SECONDS", default=365 * 24 * 3600 if SECURE_SSL_REDIRECT or TRUSTED_PROXIES else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SHUZHENG_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SHUZHENG_HSTS_PRELOAD", default=False)
LOG_LEVEL = env.str("SHUZHENG_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "shuzheng.core.logging.json_formatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
