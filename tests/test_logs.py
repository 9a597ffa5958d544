"""LOG_FORMAT=json: one JSON object per line, for a log collector."""

import json
import logging
import os
import subprocess
import sys

from django.conf import settings

from config.logs import JsonFormatter


def test_a_record_becomes_one_json_line_with_its_extra_and_traceback():
    logger = logging.getLogger("lectern.test")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logger.makeRecord(
            "lectern.test",
            logging.ERROR,
            __file__,
            1,
            "graded %s",
            (7,),
            sys.exc_info(),
            extra={"attempt": 7},
        )
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["message"] == "graded 7"
    assert entry["attempt"] == 7 and "ValueError: boom" in entry["exception"]


def test_the_setting_switches_the_console_handler_and_refuses_nonsense():
    def settings_of(value: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); import logging; "
                "logging.getLogger('x').warning('hello')",
            ],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_FORMAT": value},
        )

    done = settings_of("json")
    assert json.loads(done.stderr.strip().splitlines()[-1])["message"] == "hello"
    assert "LOG_FORMAT must be text or json" in settings_of("yaml").stderr
