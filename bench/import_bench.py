"""Import benchmark: the seed course x1, x10 and x100 (chapters repeated), into a scratch database.

Prints, per size: lessons, seconds for the first import, lessons per second, queries, the
same for a re-import of unchanged source (which must write nothing), and the bare render time
of the same Markdown: markdown-it-py with Lectern's plugins turning the whole text into HTML in
one call, with no splitting, highlighting, sanitizing, link resolving or database. The ratio
import / bare render is the figure to watch (absolute times drift on a shared machine);
target: <= 2.5, and the per-lesson time of x100 within 1.25 x that of x10 (linear).

    .venv/bin/python bench/import_bench.py            # SQLite, or DATABASE_URL if set
"""

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench import results  # noqa: E402
from courses.markdown_engine import engine  # noqa: E402
from courses.services import course_import  # noqa: E402

SEED = ROOT / "content" / "aws-cloud-fundamentals"
CHAPTER = re.compile(r"^# (.+)$", re.MULTILINE)


def make_course(target: Path, copies: int) -> Path:
    """A course folder holding the seed's chapters `copies` times, each copy's headings renamed."""
    target.mkdir()
    shutil.copy(SEED / "course.toml", target / "course.toml")
    text = (SEED / "notes.md").read_text()
    parts = [text]
    for copy in range(2, copies + 1):
        parts.append(CHAPTER.sub(lambda m, c=copy: f"# {m.group(1)} (part {c})", text))
    (target / "notes.md").write_text("\n\n".join(parts))
    return target


def measure(course_dir: Path) -> tuple[float, int, object]:
    # A counting wrapper, not CaptureQueriesContext: keeping megabytes of SQL text per
    # query would double the time measured.
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        report = course_import(course_dir=course_dir)
        seconds = time.perf_counter() - started
    return seconds, queries, report


def bare_render_seconds(course_dir: Path) -> float:
    """The best of three renders of the course's whole Markdown, in one call."""
    text = (course_dir / "notes.md").read_text()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        engine().render(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    old_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        # Its own scratch database, so a test suite running beside it is left alone.
        connection.settings_dict["TEST"]["NAME"] = f"bench_import_{old_name}"
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"database: {connection.vendor} ({test_name})")
    print(
        f"{'size':>5} {'lessons':>8} {'import s':>9} {'lessons/s':>10} {'queries':>8} "
        f"{'re-import s':>12} {'queries':>8} {'rows written':>13} {'bare render s':>14} "
        f"{'ratio':>6}"
    )
    from courses.models import Course

    per_lesson: dict[int, float] = {}
    ratios: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            # Warm up once: module imports, lexers and the first queries are start-up costs,
            # not import costs.
            course_import(course_dir=make_course(Path(scratch) / "warm-up", 1))
            Course.objects.all().delete()
            for copies in (1, 10, 100):
                course_dir = make_course(Path(scratch) / f"course-x{copies}", copies)
                bare = bare_render_seconds(course_dir)
                # Small sizes take milliseconds: the best of five runs, each from empty.
                timings = []
                for run in range(5 if copies < 100 else 1):
                    if run:
                        Course.objects.all().delete()
                    timings.append(measure(course_dir))
                seconds, queries, report = min(timings, key=lambda timing: timing[0])
                lessons = report.lessons.created
                again_seconds, again_queries, again = measure(course_dir)
                written = again.lessons.written + again.chapters.written
                ratio = seconds / bare
                ratios.append(ratio)
                per_lesson[copies] = seconds / lessons
                print(
                    f"{'x' + str(copies):>5} {lessons:>8} {seconds:>9.3f} "
                    f"{lessons / seconds:>10.0f} {queries:>8} {again_seconds:>12.3f} "
                    f"{again_queries:>8} {written:>13} {bare:>14.3f} {ratio:>6.2f}"
                )
                # Next size starts from an empty database, like a first import.
                Course.objects.all().delete()
        worst = max(ratios)
        growth = per_lesson[100] / per_lesson[10]
        print(f"import / bare render: worst {worst:.2f} (target <= 2.5) {_verdict(worst <= 2.5)}")
        print(
            f"per-lesson time x100 / x10: {growth:.2f} (target <= 1.25, linear) "
            f"{_verdict(growth <= 1.25)}"
        )
        bench = f"import ({connection.vendor})"
        results.record(bench, "import / bare render", f"{worst:.2f}", "<= 2.5", worst <= 2.5)
        results.record(
            bench, "per lesson x100 / x10", f"{growth:.2f}", "<= 1.25 (linear)", growth <= 1.25
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


if __name__ == "__main__":
    main()
