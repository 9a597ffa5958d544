"""Grading alone, in this process: milliseconds per ten-question attempt with no Celery, no
broker and no pool in between, on a scratch database (bench/README.md, scoring). With
``--profile`` it prints cProfile's top functions as well.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern \\
        .venv/bin/python bench/grading_profile.py
    .venv/bin/python bench/grading_profile.py --attempts 500 --profile

No target: it shows what grading's own code costs, apart from Celery's share.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"

import django  # noqa: E402

django.setup()

from django.conf import settings as django_settings  # noqa: E402
from django.db import connection  # noqa: E402

# As a worker runs in production: DEBUG would time and keep every query.
django_settings.DEBUG = False

from bench import scoring_bench  # noqa: E402

WARM_UP = 50


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from courses.services import course_import
    from quizzes.models import Attempt
    from quizzes.tasks import attempt_grade

    old_name = connection.settings_dict["NAME"]
    scoring_bench.scratch_database("grading")
    try:
        course_import(course_dir=scoring_bench.SEED)
        attempts, answered = scoring_bench._prepare(WARM_UP + args.attempts, 0)
        pks = [attempt.pk for attempt in attempts]
        Attempt.objects.filter(pk__in=pks).update(status=Attempt.Status.SUBMITTED)
        scoring_bench.analyze()
        for pk in pks[:WARM_UP]:  # the course's row, structure and connection warm
            attempt_grade.run(pk)
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        for pk in pks[WARM_UP:]:
            attempt_grade.run(pk)
        if profile:
            profile.disable()
        elapsed = time.perf_counter() - started
        graded = Attempt.objects.filter(pk__in=pks, status=Attempt.Status.GRADED).count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(
        f"{connection.vendor}: {elapsed / args.attempts * 1000:.2f} ms per attempt of "
        f"{answered} answers over {args.attempts}{' (profiled)' if profile else ''}; "
        f"{graded} of {len(pks)} graded"
    )
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
