"""Lectern's settings plus the two reference pages of bench/http_bench.py (bench.urls).
Only the benchmark uses them: DJANGO_SETTINGS_MODULE=bench.settings."""

from config.settings import *  # noqa: F403
from config.settings import TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405
