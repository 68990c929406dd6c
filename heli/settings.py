"""Heli settings, read from the environment.

SQLite works straight after a clone; ``DATABASE_URL`` switches to PostgreSQL.
Production values come from the environment, never from a second settings file.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def secret(name: str, default: str = "") -> str:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.getenv(name, default)


DEBUG = envbool("DEBUG", "False")
SECRET_KEY = secret("SECRET_KEY", "heli-development-key-not-for-production-use-0123456789")
ALLOWED_HOSTS = [
    h for h in os.getenv("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_NAME = os.getenv("SITE_NAME", "合力")
# Key of the audit log's HMAC-SM3 chain. Keep it apart from SECRET_KEY in production.
AUDIT_HMAC_KEY = secret("AUDIT_HMAC_KEY", "heli-development-audit-key-not-for-production")
# Days audit records are kept before `manage.py audit_prune` may remove them (at least 184).
AUDIT_RETENTION_DAYS = envint("AUDIT_RETENTION_DAYS", "184")
# Reverse proxies whose X-Forwarded-For is believed (comma-separated single addresses);
# deploy/gunicorn.conf.py takes the same list for X-Forwarded-Proto.
TRUSTED_PROXIES = [a.strip() for a in os.getenv("TRUSTED_PROXIES", "").split(",") if a.strip()]
# SM4 key of the encrypted personal-data fields (16 bytes as hex or base64; also from
# FIELD_ENCRYPTION_KEY_FILE), and older keys that still decrypt during a rotation.
# Unset: a development key derived from SECRET_KEY, refused in production (heli.lib.keys).
FIELD_ENCRYPTION_KEY = secret("FIELD_ENCRYPTION_KEY")
FIELD_ENCRYPTION_OLD_KEYS = [
    k for k in secret("FIELD_ENCRYPTION_OLD_KEYS").replace("\n", ",").split(",") if k.strip()
]

INSTALLED_APPS = [
    "heli.accounts",
    "heli.org",
    "heli.audit",
    "heli.files",
    "heli.backup",
    "heli.notifications",
    "heli.tracking",
    "heli.liaison",
    "heli.meetings",
    "heli.lib",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]
# Areas of a committee's own, added without editing this file (comma-separated app names);
# each registers its rules, task sources, menu entries… from its AppConfig.ready().
INSTALLED_APPS += [
    app.strip() for app in os.getenv("HELI_EXTRA_APPS", "").split(",") if app.strip()
]

MIDDLEWARE = [
    "heli.lib.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "heli.lib.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.is_verified(): whether this session has shown a one-time code.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "heli.accounts.middleware.CommitteeMiddleware",
    # Session limits, the second factor and overdue passwords, after the committee is known.
    "heli.accounts.middleware.AccountSecurityMiddleware",
    # Turns a sign-in refused by the lockout into the page that says until when.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "heli.urls"
WSGI_APPLICATION = "heli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "heli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "heli.accounts.context_processors.navigation",
                "heli.notifications.context_processors.unread",
            ],
        },
    },
]

# Database: embedded SQLite by default, PostgreSQL when DATABASE_URL names one.
DATABASE_URL = os.getenv("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("SQLITE_PATH", str(BASE_DIR / "var" / "heli.sqlite3")),
            "OPTIONS": {
                # WAL lets readers run beside one writer; immediate transactions take
                # the write lock up front so concurrent writers wait instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": os.getenv("SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# PBKDF2-HMAC-SM3 first; SHA-256 hashes made before it are rewritten at the next login.
PASSWORD_HASHERS = [
    "heli.lib.hashers.PBKDF2SM3PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Length, character classes and history follow the user's committee policy
# (heli.accounts.models.SecurityPolicy: 8, 3 of 4, last 5 by default).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "heli.accounts.validators.PolicyMinimumLengthValidator"},
    {"NAME": "heli.accounts.validators.CharacterClassesValidator"},
    {"NAME": "heli.accounts.validators.NotContainingUsernameValidator"},
    {"NAME": "heli.accounts.validators.PasswordHistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's list of common passwords, also with the digits and symbols people add.
    {"NAME": "heli.accounts.validators.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions. The idle (30 min) and absolute (12 h) limits are the committee's policy,
# enforced per request by heli.accounts.middleware.AccountSecurityMiddleware from the
# times kept in the session. A signed-in session's cookie ends with the browser; the
# server-side row outlives every limit so the person is told why they were signed out.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(13 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False  # activity is written at most once a minute instead
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # logout deletes the row

# Sign-in lockout (django-axes 8; every setting written out, several defaults are weaker).
# Failures are counted per username (over all addresses) and, separately, per source
# address (over all usernames), each against its own limit: 5 lock an account, 50 an
# address (one colleague's mistakes must not lock an office behind one NAT address).
# Either lock lasts the cool-off time. heli.accounts.lockout applies the two limits.
AXES_ENABLED = True
AXES_HANDLER = "heli.accounts.lockout.AccountAndAddressHandler"
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")  # per account
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", "50")  # per address
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_LOCK_OUT_AT_FAILURE = True
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
# Only a completed sign-in (both factors) clears failures, and only its account's:
# axes' own reset would also clear every failure from the same address.
AXES_RESET_ON_SUCCESS = False
# A locked sign-in ends 15 minutes after the failure that locked it; tries meanwhile
# are refused and audited but do not push the end further out.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USE_ATTEMPT_EXPIRATION = False
# The client address: X-Forwarded-For only from TRUSTED_PROXIES, never from the client.
AXES_CLIENT_IP_CALLABLE = "heli.lib.http.client_ip"
AXES_LOCKOUT_CALLABLE = "heli.accounts.lockout.lockout_response"
AXES_LOCKOUT_TEMPLATE = None
AXES_LOCKOUT_URL = None
AXES_HTTP_RESPONSE_CODE = 429
AXES_USERNAME_FORM_FIELD = "username"
AXES_PASSWORD_FORM_FIELD = "password"  # noqa: S105 (a form field name)
AXES_USERNAME_CALLABLE = None
AXES_WHITELIST_CALLABLE = None
AXES_ONLY_ADMIN_SITE = False
AXES_NEVER_LOCKOUT_GET = False
AXES_NEVER_LOCKOUT_WHITELIST = False
AXES_ONLY_WHITELIST = False
AXES_IP_WHITELIST: list[str] | None = None
AXES_IP_BLACKLIST: list[str] | None = None
# Never stored with a failed attempt: the fields of every form that counts failures.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "old_password",
    "new_password1",
    "new_password2",
    "code",
]
# Sign-ins are in the audit log (HMAC-chained); no second, unprotected log.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Time-based one-time passwords (django-otp): 6 digits every 30 s, the previous and next
# code accepted (set on each device), no drift learning. django-otp's own wait (from
# the very first wrong code) is off: heli.accounts.otp lets two wrong codes pass, then
# waits 30 s, doubling. Wrong codes also count towards the sign-in lockout above.
OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_TOTP_SYNC = False
OTP_LOGIN_URL = LOGIN_URL
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "False")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "heli.lib.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "heli" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "heli" / "static"]
# Production collects the assets into STATIC_ROOT; elsewhere WhiteNoise serves them
# straight from the apps' static folders.
STATIC_ROOT = os.getenv("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = STATIC_ROOT is None
# collectstatic under the manifest storage writes every asset a second time under a name
# carrying its content hash (url() in CSS rewritten to match), and a gzip copy of each
# (brotli too when the package is installed), which nginx sends as they are (gzip_static):
# nginx lets browsers keep the hashed names for a year and asks them to revalidate the
# others (deploy/nginx/heli.conf). On in production unless STATIC_MANIFEST says otherwise.
STATIC_MANIFEST = envbool("STATIC_MANIFEST", os.getenv("HELI_PRODUCTION", "False"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(BASE_DIR / "var" / "files")))

# Uploaded files (heli.files). The root is never served: MEDIA_URL stays unset and files
# leave only through the download view, which checks the policy (a system check refuses
# a root inside a static folder). Sizes in bytes.
FILE_STORAGE_ROOT = Path(os.getenv("FILE_STORAGE_ROOT", str(BASE_DIR / "var" / "files")))
FILE_MAX_BYTES = envint("FILE_MAX_BYTES", str(20 * 1024 * 1024))
FILE_COMMITTEE_QUOTA_BYTES = envint("FILE_COMMITTEE_QUOTA_BYTES", str(10 * 1024**3))
# Zip containers (docx, xlsx, pptx, ofd): what one may unpack to, before it counts as a bomb.
FILE_ZIP_MAX_UNCOMPRESSED_BYTES = envint("FILE_ZIP_MAX_UNCOMPRESSED_BYTES", str(200 * 1024**2))
FILE_ZIP_MAX_RATIO = envint("FILE_ZIP_MAX_RATIO", "100")
FILE_ZIP_MAX_ENTRIES = envint("FILE_ZIP_MAX_ENTRIES", "2000")
# Optional virus scan of every upload before it is kept: a clamd socket, or a command
# that reads the file on stdin and exits 0 (clean) or 1 (infected), e.g.
# "clamdscan --no-summary -". When either is set and the scanner fails, uploads are refused.
CLAMAV_SOCKET = os.getenv("CLAMAV_SOCKET", "")
CLAMAV_COMMAND = os.getenv("CLAMAV_COMMAND", "")
CLAMAV_TIMEOUT = envint("CLAMAV_TIMEOUT", "60")

# Upload limits for the Excel import (bytes).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", str(5 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(10 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Notifications (heli.notifications): email and the committees' group robots.
# The address links in emails and robot messages start with (e.g. https://heli.example.gov.cn).
SITE_URL = os.getenv("SITE_URL", "")
EMAIL_HOST = os.getenv("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", "465")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "True")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "heli@localhost")
# SMTP when a server is named; otherwise the console (development), and then reminders
# are not emailed at all unless NOTIFY_EMAIL_ENABLED says so.
EMAIL_BACKEND = os.getenv(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
NOTIFY_EMAIL_ENABLED = envbool(
    "NOTIFY_EMAIL_ENABLED", "True" if EMAIL_HOST or os.getenv("EMAIL_BACKEND") else "False"
)
NOTIFY_WEBHOOK_TIMEOUT = envint("NOTIFY_WEBHOOK_TIMEOUT", "5")
# A message that failed this many times is given up (shown as failed, never retried).
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", "5")
# Days without a progress report before the lead unit is reminded (heli.tracking.reminders).
TRACKING_NO_REPORT_DAYS = envint("TRACKING_NO_REPORT_DAYS", "14")
# The latest deadline a task may have: this many years after it was assigned.
TRACKING_DEADLINE_HORIZON_YEARS = envint("TRACKING_DEADLINE_HORIZON_YEARS", "3")
# Group robots must be https on a public server (heli.notifications.addresses). Intranet
# robot gateways are named here: host names, addresses or CIDR ranges, comma-separated;
# these may also be plain http.
WEBHOOK_ALLOWED_HOSTS = [
    h.strip() for h in os.getenv("WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip()
]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.getenv("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

# --- Production ---------------------------------------------------------------------
# HELI_PRODUCTION=1 turns on everything `manage.py check --deploy` asks for. Heli runs
# behind nginx, which terminates TLS (see deploy/).
HELI_PRODUCTION = envbool("HELI_PRODUCTION", "False")
if HELI_PRODUCTION:
    DEBUG = False
    if SECRET_KEY.startswith("heli-development-"):
        raise RuntimeError(
            "HELI_PRODUCTION is set: set SECRET_KEY or SECRET_KEY_FILE (50+ random characters)."
        )
    if AUDIT_HMAC_KEY.startswith("heli-development-"):
        raise RuntimeError("HELI_PRODUCTION is set: set AUDIT_HMAC_KEY or AUDIT_HMAC_KEY_FILE.")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-heli-session"
    CSRF_COOKIE_NAME = "__Host-heli-csrf"
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", str(365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "True")
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "True")
    # No SECURE_PROXY_SSL_HEADER: Django would take X-Forwarded-Proto from any peer.
    # gunicorn takes it only from TRUSTED_PROXIES (deploy/gunicorn.conf.py) and says so
    # in wsgi.url_scheme, which Django reads when that setting is unset.
