"""Production: every secret from the environment, HTTPS everywhere.

`manage.py check --deploy --settings=config.settings.production` must be clean.
Development defaults never reach here: a committed or example secret key, or the
compose file's default database password, stop the process at start-up.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: no default in production
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

# Values written in this repository (settings defaults, .env.example, the image build, compose).
KNOWN_PLACEHOLDER_SECRETS = {
    "dev-only-insecure-key-change-me",
    "change-me-to-a-long-random-string",
    "build-only",
}
KNOWN_PLACEHOLDER_DB_PASSWORDS = {"episodic"}  # docker-compose.yml's old default POSTGRES_PASSWORD

if SECRET_KEY.strip() in KNOWN_PLACEHOLDER_SECRETS or SECRET_KEY.strip().lower().startswith("change-me"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a placeholder from the repository: set a long random value "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
if DATABASES["default"].get("PASSWORD") in KNOWN_PLACEHOLDER_DB_PASSWORDS:
    raise ImproperlyConfigured(
        "DATABASE_URL uses the default password from docker-compose.yml: set POSTGRES_PASSWORD to a secret."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
