"""Django settings: every choice comes from the environment, with embedded defaults.

``DATABASE_URL`` (default: SQLite under ``var/``), ``HOCBA_SECRET_KEY`` (default: generated into
``var/``), ``HOCBA_DEBUG``, ``HOCBA_ALLOWED_HOSTS``, ``HOCBA_SECURE_COOKIES``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

from hocba.config import env_flag, secret_key, var_dir

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = var_dir()

SECRET_KEY = secret_key()
DEBUG = env_flag("HOCBA_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("HOCBA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "hocba.organisation",
    "hocba.accounts",
    "hocba.curriculum",
    "hocba.roster",
    "hocba.gradebook",
    "hocba.records",
    "hocba.certificates",
    "hocba.issuance",
    "hocba.transparency",
    "hocba.sharing",
    "hocba.verification",
    "hocba.audit",
    "hocba.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hocba.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hocba.web.i18n.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hocba.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hocba.urls"
WSGI_APPLICATION = "hocba.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hocba.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hocba.sqlite3'}"),
        # Persistent connections in the server; none under pytest, where a live-server
        # thread's idle connection would keep PostgreSQL from dropping the test database.
        conn_max_age=int(os.environ.get("HOCBA_CONN_MAX_AGE",
                                        "0" if "pytest" in sys.modules else "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the verification readers run beside a writer; a short busy wait absorbs
    # concurrent writes from two server workers.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Connections are kept like PostgreSQL's (HOCBA_CONN_MAX_AGE; none under pytest): opening
    # one costs ~1 ms of CPU (the PRAGMAs, Django's SQL functions), a quarter of a public
    # status answer (BENCHMARKS.md, "Verification status under wrk"). Autocommit holds no
    # read snapshot between requests, so a kept connection sees every commit.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Argon2id first: new passwords are hashed with it; older hashes upgrade at next log-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The verification address printed in each record's QR code, with the look-up code after it
# (the public verification portal: issue 6). Production sets the province's portal.
HOCBA_VERIFY_URL = os.environ.get("HOCBA_VERIFY_URL", "http://127.0.0.1:8000/tra-cuu")

# Log-in throttling (hocba.accounts.throttle): failures per user name and per address.
LOGIN_FAILURE_LIMIT = int(os.environ.get("HOCBA_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("HOCBA_LOGIN_FAILURE_WINDOW", "900"))

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "files"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Security baseline. Cookies are Secure unless the operator serves plain HTTP on loopback
# (the demo sets HOCBA_SECURE_COOKIES=0); they are always HttpOnly where possible, SameSite.
SECURE_COOKIES = env_flag("HOCBA_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_flag("HOCBA_HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

# Uploads: an Excel class list is small; anything larger is refused before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_ROWS = 10_000

# Public verification (issue 6; hocba.verification.api, guard, throttle). Requests per window
# per client address and door, e.g. HOCBA_VERIFY_RATE_LIMITS="lookup=120/60,upload=20/60"
# ("lookup=0/60" turns a door's limit off: the status benchmark).
VERIFICATION_RATE_LIMITS = {
    door: (int(rate.split("/")[0]), int(rate.split("/")[1]))
    for door, _, rate in (item.partition("=") for item in
                          os.environ.get("HOCBA_VERIFY_RATE_LIMITS", "").split(",") if item)
}
VERIFICATION_MAX_UPLOAD_BYTES = int(os.environ.get("HOCBA_VERIFY_MAX_UPLOAD_BYTES",
                                                  str(5 * 1024 * 1024)))
VERIFICATION_DEADLINE_SECONDS = float(os.environ.get("HOCBA_VERIFY_DEADLINE_SECONDS", "20"))
VERIFICATION_UPLOAD_CONCURRENCY = int(os.environ.get("HOCBA_VERIFY_UPLOAD_CONCURRENCY", "2"))
# Seconds a matched status answer is kept per process (hocba.verification.services): a
# revocation shows within that; 0 turns it off (and under pytest, where tests revoke and ask).
VERIFICATION_STATUS_CACHE_SECONDS = int(os.environ.get(
    "HOCBA_VERIFY_STATUS_CACHE", "0" if "pytest" in sys.modules else "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HOCBA_LOG_LEVEL", "WARNING")},
}
