"""Lectern's one settings module, driven by the environment (see .env.example).

With nothing set, Lectern runs on SQLite with Celery tasks executed eagerly in-process: a
clone just runs. DATABASE_URL and REDIS_URL switch to PostgreSQL and a real broker.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and env_str("SECRET_KEY_FILE"):
    # The container keeps a generated key on its data volume (platform/entrypoint.sh).
    SECRET_KEY = Path(env_str("SECRET_KEY_FILE")).read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "django-insecure-lectern-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "courses",
    "quizzes",
    "review",
    "search",
    "teaching",
]

MIDDLEWARE = [
    # /healthz and /readyz, before the host check and the HTTPS redirect (config/health.py).
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: private on responses to a session (config/middleware.py); before the
    # session middleware, to see the cookie it sets on login.
    "config.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite next to the code unless DATABASE_URL names another one.
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Reusing connections saves ~30 % on a simple page (measured on this stack).
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Take the write lock when a transaction starts, not halfway: no "database is locked"
        # surprises when two requests write progress at once.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets readers run beside a writer, and NORMAL sync skips an fsync per commit
        # that WAL does not need for safety: every lesson view writes progress.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when given, is the Celery broker and the cache (sessions' helpers, login rate
# limits). CACHE_URL puts the cache in another Redis database, as the test suite does.
REDIS_URL = env_str("REDIS_URL")
CACHE_URL = env_str("CACHE_URL", REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, failing open when Redis is down (config/cache.py): nothing
            # in the cache is needed to log in, sign up or submit.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "lectern",
            # A dead Redis must cost a request a fraction of a second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "courses:catalog"

# django-allauth: email + password accounts, verified email, optional TOTP two-factor.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "courses:catalog"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lectern] "
# Refuses addresses with markup or control characters (accounts/adapter.py).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Failed logins and password resets are limited per address and per account (cache-backed).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# Rate limits count per client address. Behind reverse proxies, REMOTE_ADDR is the proxy's
# (so ten wrong passwords a minute would lock everyone out): name how many proxies append
# to X-Forwarded-For, or the header a single trusted proxy sets (e.g. X-Real-IP). Only set
# these when every request comes through those proxies: a client could forge the header.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Lectern"

# Email: printed to the console unless EMAIL_HOST names an SMTP server.
if env_str("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    # Printed readably (config/mail.py): the demo's confirmation link works when copied.
    MAILERS = {"default": {"BACKEND": "config.mail.ReadableConsoleBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lectern <lectern@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and imported files (images and downloads of courses). Not served by whitenoise:
# course files go through courses.views.course_file, with long cache headers.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Files a course's Markdown references, stored under content-hashed names at import.
    "course_files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "course-files"},
    },
    # Courses uploaded in the admin (.zip or .md), as uploaded, until their import has run.
    "course_uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "uploads"},
    },
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; the Docker image runs it at build time.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security. Secure by default whenever DEBUG is off; each can be relaxed from the environment
# (for example behind a TLS-terminating proxy that already redirects).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Course notes embed images hosted elsewhere.
    "img-src": [CSP.SELF, "https:", "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Celery. Without a broker, tasks run eagerly in the web process: the embedded default.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Messages each worker process reserves ahead. With 1, a process finishing a grading waited
# for the ack and the next fetch from Redis before it got more work: a few milliseconds idle
# per task of about five (bench/README.md, scoring). Reserved messages wait in the worker's
# main process and go to whichever pool process is free, so a long import does not hold
# them up; if the worker dies they are unacknowledged and come back as any other.
CELERY_WORKER_PREFETCH_MULTIPLIER = 8
# Tasks a worker process runs before Celery's Django fixup closes its database connection;
# unset, it closes it around every task (a new PostgreSQL connection per grading). Between
# those, config.celery_app drops a broken or CONN_MAX_AGE-old connection as after a request.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail fast when Redis is down instead of hanging a web request: the caller records the error.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# visibility_timeout: how long Redis keeps a delivered, unacknowledged message (every task is
# acks_late) before handing it to another worker. It must outlast the longest task (a big
# import takes seconds, IMPORT_RUN_STALE_AFTER allows 15 minutes), or a slow task would run
# twice; a worker killed mid-task is recovered sooner by the sweep below.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 30 * 60),
}
# Celery beat (the `beat` service in docker compose): sweeps that queue again what a fault
# lost (courses.sweeps, quizzes.sweeps). Without a broker (eager mode) nothing can be lost.
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-attempts": {
        "task": "quizzes.sweeps.attempts_requeue_stuck",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "requeue-stuck-imports": {
        "task": "courses.sweeps.import_runs_requeue_stuck",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The daily review reminders students asked for (review.reminders), each at their hour.
    "send-review-reminders": {
        "task": "review.tasks.reminders_send",
        "schedule": 15 * 60.0,
        "options": {"expires": 14 * 60},
    },
}

# Lectern.
# How long a container waits for the database, Redis and migrations before giving up
# (accounts' wait_for_services, run by platform/entrypoint.sh).
LECTERN_WAIT_SECONDS = env_int("LECTERN_WAIT_SECONDS", 60)
LECTERN_CONTENT_DIR = Path(env_str("LECTERN_CONTENT_DIR", str(BASE_DIR / "content")))
# Where students reach this site: the links in emails sent with no request to take them from
# (the review reminders). Set it to the public address (https://learn.example.org).
LECTERN_SITE_URL = env_str("LECTERN_SITE_URL", "http://127.0.0.1:8000")
# Lessons need a login unless this is on; the catalog and outlines are always public.
LECTERN_PUBLIC_LESSONS = env_bool("LECTERN_PUBLIC_LESSONS", False)
# Courses uploaded in the admin are unpacked here, one folder per course (its slug); docker
# compose keeps it on the data volume. Re-imports find a course here or in LECTERN_CONTENT_DIR.
LECTERN_UPLOADED_COURSES_DIR = Path(
    env_str("LECTERN_UPLOADED_COURSES_DIR", str(MEDIA_ROOT / "courses"))
)
# Limits on an uploaded course archive, checked before anything is unpacked.
LECTERN_UPLOAD_MAX_FILES = env_int("LECTERN_UPLOAD_MAX_FILES", 2000)
LECTERN_UPLOAD_MAX_BYTES = env_int("LECTERN_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
# The largest file a course may reference (an image, a PDF); bigger ones are a warning.
LECTERN_COURSE_FILE_MAX_BYTES = env_int("LECTERN_COURSE_FILE_MAX_BYTES", 25 * 1024 * 1024)

# LOG_FORMAT=json writes one JSON object per line (config/logs.py) for a log collector.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
