"""Load run: simulated students read, complete lessons and take quizzes for a bounded time.

    .venv/bin/python bench/load_bench.py --quick          # 10 students, 10 s
    .venv/bin/python bench/load_bench.py                  # 50 students, 60 s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern REDIS_URL=redis://127.0.0.1:6379/1 \
        .venv/bin/python bench/load_bench.py

With DATABASE_URL (PostgreSQL) and REDIS_URL set, a scratch database bench_load_<name> is
created (and dropped at the end) and a Redis database of its own (--redis-db, flushed before
and after) is the broker and the cache; gunicorn (platform/gunicorn.conf.py, production
settings) and a Celery worker (prefork, 2 processes) run against them. With neither set, it
runs on a scratch SQLite file with Celery eager inside the web process: no worker.

Each student logs in through the login form, then loops until the deadline: the catalog, the
course outline, a lesson (marked complete), its knowledge check when it has one, and now and
then a chapter quiz (start, autosave, save, submit, poll for the score) with random answers,
pausing --think seconds on average between steps. The students log in at once (or spread
over --ramp seconds); the --seconds start when the last one is in. Every student connects
from its own loopback address (127.1.x.y), as students on their own machines do;
--one-address puts them all behind 127.0.0.1, as a classroom behind one NAT address (allauth
limits logins to 30 a minute per address). A request counts as an error when it answers
another status than its kind should (any 5xx, an unexpected 4xx or redirect), or times out
(30 s) or fails to connect.

After the deadline it waits up to 60 s for grading, then prints requests, errors and latency
per kind of request, and checks in the database that every submitted attempt was graded, and
graded once: a trigger on the scratch database records every write of a new graded_at.
"""

import argparse
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import results  # noqa: E402

SEED = ROOT / "content" / "aws-cloud-fundamentals"
PASSWORD = "load-bench-pass-123"
DRAIN_SECONDS = 60
LOGIN_SECONDS = 120
# Lines of the server's and the worker's logs worth showing when something failed.
LOG_TROUBLE = re.compile(r"Traceback|Internal Server Error|ERROR|CRITICAL|WORKER TIMEOUT")

# What a request of each kind must answer; anything else counts as an error.
EXPECTED = {
    "login form": {200},
    "login": {302},
    "catalog": {200},
    "course outline": {200},
    "lesson": {200},
    "lesson complete": {200},
    "knowledge check": {200},
    "quiz page": {200},
    "attempt start": {302},
    "attempt page": {200},
    "answer autosave": {200},
    "answers save": {302},
    "attempt submit": {302},
    "score poll": {200, 286},  # 286: htmx's "stop polling", sent once the score is there
}

COURSE_LINK = re.compile(r'href="(/courses/[\w-]+/)"')
LESSON_LINK = re.compile(r'href="(/courses/[\w-]+/[\w-]+/[\w-]+/)"')
QUIZ_LINK = re.compile(r'href="(/quizzes/\d+/)"')
ATTEMPT_ID = re.compile(r"/attempts/(\d+)/")
CHECK_ATTEMPT_ID = re.compile(r'id="attempt-(\d+)-status"')
POLLER = re.compile(r'data-hx-get="(/attempts/\d+/[^"]*)" data-hx-trigger="every (\d+)s"')
QUESTION_FIELD = re.compile(r"^q(\d+)(?:-\d+)?$")
FORM_BLOCK = re.compile(r'<form\b[^>]*?\baction="([^"]*)".*?</form>', re.S)


# --- Setup -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(args, scratch: Path) -> tuple[dict[str, str], bool]:
    """The environment of this process, gunicorn and the worker; True when on the services."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    services = database_url.startswith("postgres")
    if services != bool(redis_url):
        raise SystemExit("set both DATABASE_URL (PostgreSQL) and REDIS_URL, or neither")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "load-bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(scratch / "media"),
    }
    if services:
        # A Redis database of our own for the broker and the cache: a suite running beside
        # us keeps its queues, and our flush touches nothing of theirs.
        parts = urlsplit(redis_url)
        own = urlunsplit(parts._replace(path=f"/{args.redis_db}"))
        env.update(REDIS_URL=own, CACHE_URL=own, CELERY_TASK_ALWAYS_EAGER="false")
    else:
        for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL"):
            env.pop(name, None)
        env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    return env, services


def _database_create(scratch: Path, services: bool) -> tuple[str, str]:
    """Create and migrate the scratch database: (its URL for the other processes, old name)."""
    from django.db import connection

    settings = connection.settings_dict
    old_name = settings["NAME"]
    if services:
        settings["TEST"]["NAME"] = f"bench_load_{old_name}"
    else:
        settings["TEST"]["NAME"] = str(scratch / "load.sqlite3")
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    if not services:
        return f"sqlite:///{name}", old_name
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}")), old_name


def _grading_log_install() -> None:
    """A trigger writing a row each time an attempt gets a new graded_at: two rows for one
    attempt mean it was graded twice, whatever the application logs."""
    from django.db import connection

    from quizzes.models import Attempt

    table = Attempt._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_grading (attempt_id bigint NOT NULL)")
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION bench_grading_log() RETURNS trigger AS $$ BEGIN "
                "INSERT INTO bench_grading VALUES (NEW.id); RETURN NULL; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER bench_grading_log AFTER UPDATE ON {table} FOR EACH ROW "
                "WHEN (NEW.graded_at IS NOT NULL AND NEW.graded_at IS DISTINCT FROM "
                "OLD.graded_at) EXECUTE FUNCTION bench_grading_log()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER bench_grading_log AFTER UPDATE ON {table} FOR EACH ROW "
                "WHEN NEW.graded_at IS NOT NULL AND NEW.graded_at IS NOT OLD.graded_at "
                "BEGIN INSERT INTO bench_grading VALUES (NEW.id); END"
            )


def _students_create(count: int) -> list[str]:
    """Verified students sharing one password (hashed once: 0.4 s a hash here)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(email=f"student{n}@load.example", password=hashed) for n in range(count)]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    return [u.email for u in users]


def _check_lessons() -> list[str]:
    """Paths of the lessons that hold a knowledge check."""
    from quizzes.models import Quiz, QuizKind

    quizzes = Quiz.objects.filter(kind=QuizKind.CHECK, lesson__isnull=False)
    return sorted({quiz.lesson.get_absolute_url() for quiz in quizzes.select_related("lesson")})


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # A session of its own: Ctrl-C reaches this script only, which stops it in order.
    with log.open("w") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _wait_for_server(port: int, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("gunicorn did not answer /healthz in 30 s")


def _wait_for_worker(worker: subprocess.Popen) -> None:
    from config.celery_app import app

    for _ in range(100):
        if worker.poll() is not None:
            raise SystemExit(f"the Celery worker exited with status {worker.returncode}")
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("the Celery worker did not answer a ping in 50 s")


def _redis_flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


# --- One simulated student -------------------------------------------------------------------


class _Failed(Exception):
    """A request went wrong (recorded already): give up this round and start the next."""


class _TimeUp(Exception):
    pass


class _Forms(HTMLParser):
    """Every form of a page: its action and its inputs, textareas and selects."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": attr.get("action", ""), "inputs": [], "selects": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["inputs"].append(attr)
        elif tag == "textarea":
            self._form["inputs"].append({**attr, "type": "textarea"})
        elif tag == "select":
            self._select = attr.get("name", "")
            self._form["selects"][self._select] = []
        elif tag == "option" and self._select and attr.get("value"):
            self._form["selects"][self._select].append(attr["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _form(html: str, action: str) -> dict | None:
    """The page's first form whose action matches: only that form's markup is parsed (the
    client shares two cores with the server)."""
    for block in FORM_BLOCK.finditer(html):
        if re.search(action, block.group(1)):
            return _Forms(block.group(0)).forms[0]
    return None


def _answers(form: dict, rng: random.Random) -> list[tuple[str, str]]:
    """Random answers to every question of a quiz form, as a browser would post them."""
    radios: dict[str, list[str]] = defaultdict(list)
    boxes: dict[str, list[str]] = defaultdict(list)
    fields: list[tuple[str, str]] = []
    for field in form["inputs"]:
        name, kind = field.get("name", ""), field.get("type", "text")
        if not QUESTION_FIELD.match(name):
            continue
        if kind == "radio":
            radios[name].append(field.get("value", ""))
        elif kind == "checkbox":
            boxes[name].append(field.get("value", ""))
        elif kind == "textarea":
            fields.append((name, "Instances run in an availability zone of a region."))
        else:
            fields.append((name, rng.choice(["42", "80", "ec2", "policy"])))
    fields += [(name, rng.choice(values)) for name, values in radios.items()]
    for name, values in boxes.items():
        fields += [(name, v) for v in rng.sample(values, rng.randint(1, len(values)))]
    fields += [(name, rng.choice(values)) for name, values in form["selects"].items() if values]
    return fields


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[tuple[str, str]] = Counter()
        self.submitted: dict[int, str] = {}  # attempt pk -> "chapter quiz" / "knowledge check"

    def request(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[(kind, error)] += 1

    def error(self, kind: str, error: str) -> None:
        with self.lock:
            self.errors[(kind, error)] += 1

    def submit(self, attempt_id: int, what: str) -> None:
        with self.lock:
            self.submitted[attempt_id] = what


class Clock:
    """The students' shared deadline: LOGIN_SECONDS for logging in, then --seconds from the
    moment the last student is in (so a slow login burst does not eat the run)."""

    def __init__(self, students: int, seconds: float) -> None:
        self.deadline = time.monotonic() + LOGIN_SECONDS
        self.seconds = seconds
        self.logins_took = 0.0
        self._started = time.monotonic()
        self.logged_in = threading.Barrier(students, action=self._start)

    def _start(self) -> None:
        self.logins_took = time.monotonic() - self._started
        self.deadline = time.monotonic() + self.seconds


class Student:
    def __init__(
        self,
        *,
        email: str,
        port: int,
        source: str | None,
        clock: "Clock",
        stop: threading.Event,
        recorder: Recorder,
        think: float,
        quiz_share: float,
        check_lessons: list[str],
        seed: int,
    ) -> None:
        self.email = email
        self.port = port
        self.source = source
        self.clock = clock
        self.stop = stop
        self.recorder = recorder
        self.think_mean = think
        self.quiz_share = quiz_share
        self.check_lessons = check_lessons
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        source = (self.source, 0) if self.source else None
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=source)

    def _time_left(self) -> None:
        if self.stop.is_set() or time.monotonic() >= self.clock.deadline:
            raise _TimeUp

    def pause(self, seconds: float) -> None:
        self._time_left()
        if self.stop.wait(min(seconds, max(0.0, self.clock.deadline - time.monotonic()))):
            raise _TimeUp
        self._time_left()

    def think(self, mean: float | None = None) -> None:
        """A pause of `mean` seconds on average (--think by default)."""
        self.pause(self.rng.uniform(0, 2 * (self.think_mean if mean is None else mean)))

    def request(
        self, kind: str, method: str, path: str, *, data=None, htmx: bool = False
    ) -> tuple[int, str, str]:
        """(status, Location, body); a status this kind never answers is recorded and
        raises _Failed, as does a refused or broken connection."""
        self._time_left()
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if method == "POST":
            body = urlencode(data or [])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        if htmx:
            headers["HX-Request"] = "true"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as exc:
            self.recorder.request(kind, time.perf_counter() - started, type(exc).__name__)
            self.conn.close()
            self.conn = self._connect()
            raise _Failed from exc
        elapsed = time.perf_counter() - started
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        ok = response.status in EXPECTED[kind]
        self.recorder.request(kind, elapsed, None if ok else str(response.status))
        if not ok:
            raise _Failed
        return response.status, response.getheader("Location", ""), text

    def run(self, delay: float = 0.0) -> None:
        try:
            try:
                self.pause(delay)
                while True:
                    try:
                        self.login()
                        break
                    except _Failed:
                        self.think()
            finally:
                # Whether logged in or given up: the timed run starts when everyone is here.
                self.clock.logged_in.wait()
            while True:
                try:
                    self.round()
                except _Failed:
                    self.think()
                except (_TimeUp, threading.BrokenBarrierError):
                    raise
                except Exception as exc:
                    # A page without the link or form it should have (or a bug of ours):
                    # counted, never a silently dead student.
                    self.recorder.error("page content", f"{type(exc).__name__}: {exc}")
                    self.think()
        except (_TimeUp, threading.BrokenBarrierError):
            pass
        finally:
            self.conn.close()

    def login(self) -> None:
        self.request("login form", "GET", "/accounts/login/")
        _, location, _ = self.request(
            "login", "POST", "/accounts/login/", data={"login": self.email, "password": PASSWORD}
        )
        if location.startswith("/accounts/"):
            # Not the catalog: a verification page, a second factor... not a logged-in student.
            self.recorder.error("login", f"302 to {location}")
            raise _Failed

    def round(self) -> None:
        _, _, catalog = self.request("catalog", "GET", "/")
        course = COURSE_LINK.search(catalog).group(1)
        self.think()
        _, _, outline = self.request("course outline", "GET", course)
        lessons = LESSON_LINK.findall(outline)
        quizzes = QUIZ_LINK.findall(outline)
        self.think()
        if self.check_lessons and self.rng.random() < 0.3:
            lesson = self.rng.choice(self.check_lessons)
        else:
            lesson = self.rng.choice(lessons)
        _, _, page = self.request("lesson", "GET", lesson)
        self.think(2 * self.think_mean)  # reading
        completion = _form(page, r"/complete/$")
        if completion and not any(f.get("name") == "undo" for f in completion["inputs"]):
            self.request("lesson complete", "POST", completion["action"], htmx=True)
        check = _form(page, r"^/quizzes/\d+/check/$")
        if check:
            self.think()
            _, _, fragment = self.request(
                "knowledge check",
                "POST",
                check["action"],
                data=_answers(check, self.rng),
                htmx=True,
            )
            self.recorder.submit(int(CHECK_ATTEMPT_ID.search(fragment).group(1)), "check")
            self.poll(fragment)
        if quizzes and self.rng.random() < self.quiz_share:
            self.think()
            self.chapter_quiz(self.rng.choice(quizzes))
        self.think()

    def chapter_quiz(self, quiz: str) -> None:
        self.request("quiz page", "GET", quiz)
        self.think()
        _, location, _ = self.request("attempt start", "POST", f"{quiz}attempts/")
        attempt = urlsplit(location).path
        attempt_id = int(ATTEMPT_ID.search(attempt).group(1))
        _, _, page = self.request("attempt page", "GET", attempt)
        form = _form(page, r"/answers/$")
        answers = _answers(form, self.rng)
        self.think()
        question = next(QUESTION_FIELD.match(name).group(1) for name, _ in answers)
        self.request(
            "answer autosave", "POST", f"{attempt}answers/{question}/", data=answers, htmx=True
        )
        self.think()
        self.request("answers save", "POST", f"{attempt}answers/", data=answers)
        self.request("attempt page", "GET", attempt)
        self.think()
        self.request(
            "attempt submit", "POST", f"{attempt}submit/", data=[*answers, ("confirm", "1")]
        )
        self.recorder.submit(attempt_id, "chapter")
        _, _, page = self.request("attempt page", "GET", attempt)
        self.poll(page)

    def poll(self, page: str) -> None:
        """Poll the score as htmx does (every N s, as the poller says) until it is shown."""
        while poller := POLLER.search(page):
            path, seconds = poller.group(1), int(poller.group(2))
            self.pause(seconds)
            status, _, page = self.request("score poll", "GET", path, htmx=True)
            if status == 286:
                return


# --- The run ---------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _drain(limit: float) -> float:
    """Seconds until no attempt waits for its score (at most `limit`)."""
    from quizzes.models import Attempt

    started = time.monotonic()
    while Attempt.objects.filter(status=Attempt.Status.SUBMITTED).exists():
        if time.monotonic() - started > limit:
            break
        time.sleep(0.2)
    return time.monotonic() - started


def _troubles(log: Path) -> Counter[str]:
    """Distinct trouble in a log, a traceback as its first line and the exception it ended
    with ("Internal Server Error: /quizzes/8/check/ ... IntegrityError: ..."), counted."""
    found: Counter[str] = Counter()
    if not log.exists():
        return found
    lines = log.read_text(errors="replace").splitlines()
    for n, line in enumerate(lines):
        if not LOG_TROUBLE.search(line) or line.startswith("Traceback"):
            continue
        if n + 1 < len(lines) and lines[n + 1].startswith("Traceback"):
            end = next(
                (
                    i
                    for i in range(n + 2, len(lines))
                    if lines[i] and not lines[i].startswith((" ", "\t"))
                ),
                len(lines) - 1,
            )
            line = f"{line} ... {lines[min(end, len(lines) - 1)]}"
        found[re.sub(r"/\d+/", "/N/", line.strip())[:300]] += 1
    return found


def _report(recorder: Recorder, seconds: float, drained: float, logs: dict[str, Path]) -> bool:
    from django.db import connection
    from django.db.models import Count

    from quizzes.models import Attempt

    print(f"\n{'request':<18} {'count':>7} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    errors_by_kind = Counter()
    for (kind, _), n in recorder.errors.items():
        errors_by_kind[kind] += n
    total = 0
    for kind in EXPECTED:
        values = recorder.latencies.get(kind)
        if not values:
            continue
        total += len(values)
        print(
            f"{kind:<18} {len(values):>7} {errors_by_kind[kind]:>7} "
            f"{_percentile(values, 0.5) * 1000:>8.0f} {_percentile(values, 0.99) * 1000:>8.0f}"
        )
    errors = sum(recorder.errors.values())
    timed = total - sum(len(recorder.latencies.get(k, ())) for k in ("login form", "login"))
    everything = [v for values in recorder.latencies.values() for v in values]
    print(
        f"{'all':<18} {total:>7} {errors:>7} {_percentile(everything, 0.5) * 1000:>8.0f} "
        f"{_percentile(everything, 0.99) * 1000:>8.0f}  ({timed / seconds:.0f} req/s timed)"
    )
    for (kind, error), n in sorted(recorder.errors.items()):
        print(f"  error: {kind}: {error} x{n}")

    submitted = recorder.submitted
    kinds = Counter(submitted.values())
    statuses = dict(
        Attempt.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    graded_ids = set(
        Attempt.objects.filter(pk__in=submitted, status=Attempt.Status.GRADED).values_list(
            "pk", flat=True
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT attempt_id) FROM bench_grading")
        gradings, graded_attempts = cursor.fetchone()
    twice = gradings - graded_attempts
    left = statuses.get(Attempt.Status.SUBMITTED, 0)
    print(
        f"\nattempts submitted  {len(submitted)} ({kinds['chapter']} chapter quizzes, "
        f"{kinds['check']} knowledge checks)"
    )
    print(
        f"attempts in the db  graded {statuses.get(Attempt.Status.GRADED, 0)}, "
        f"submitted {left}, in progress {statuses.get(Attempt.Status.IN_PROGRESS, 0)} "
        "(left open at the deadline)"
    )
    print(
        f"gradings written    {gradings} for {graded_attempts} attempts "
        f"({twice} graded more than once); grading finished {drained:.1f} s after the deadline"
    )
    if "worker" in logs and logs["worker"].exists():
        runs = sum(
            1 for line in logs["worker"].open() if "attempt_grade[" in line and "succeeded" in line
        )
        print(f"grade tasks run     {runs} (worker log)")
    for name, log in logs.items():
        for line, n in _troubles(log).most_common(8):
            print(f"{name} log: x{n} {line}")

    no_errors = errors == 0
    all_graded = len(graded_ids) == len(submitted) and left == 0 and twice == 0
    print(f"\n{'PASS' if no_errors else 'MISS'} 0 errors ({errors} of {total} requests)")
    print(
        f"{'PASS' if all_graded else 'MISS'} every attempt graded once "
        f"({len(graded_ids)} of {len(submitted)} submitted; {left} still waiting; "
        f"{twice} twice)"
    )
    bench = "load (PostgreSQL)" if os.environ.get("DATABASE_URL") else "load (SQLite)"
    results.record(bench, "requests with errors", f"{errors} of {total}", "0", no_errors)
    results.record(
        bench,
        "attempts graded once",
        f"{len(graded_ids)} of {len(submitted)}",
        "every one",
        all_graded,
    )
    return no_errors and all_graded


def _run_students(args, port: int, emails: list[str], check_lessons: list[str]) -> Recorder:
    recorder = Recorder()
    stop = threading.Event()
    clock = Clock(len(emails), args.seconds)
    students = [
        Student(
            email=email,
            port=port,
            source=None if args.one_address else f"127.1.{n // 250}.{n % 250 + 1}",
            clock=clock,
            stop=stop,
            recorder=recorder,
            think=args.think,
            quiz_share=args.quiz_share,
            check_lessons=check_lessons,
            seed=n,
        )
        for n, email in enumerate(emails)
    ]
    # --ramp spreads the logins (0.4 s of hashing each here) instead of one burst.
    threads = [
        threading.Thread(target=s.run, args=(n * args.ramp / len(students),), daemon=True)
        for n, s in enumerate(students)
    ]
    cpu = time.process_time()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop.set()
        clock.logged_in.abort()
    cpu = time.process_time() - cpu
    print(
        f"logins took {clock.logins_took:.1f} s, then {args.seconds:.0f} s of lessons and "
        f"quizzes; the simulated students used {cpu:.1f} s of CPU"
    )
    return recorder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--quick", action="store_true", help="10 students for 10 s")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between steps (s); reading 2x"
    )
    parser.add_argument("--quiz-share", type=float, default=0.3, help="rounds with a chapter quiz")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config's)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=30,
        help="spread the logins over (s): a class does not log in in one second",
    )
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--one-address", action="store_true", help="every student on 127.0.0.1")
    args = parser.parse_args()
    if args.quick:
        args.students, args.seconds = 10, 10
    # SIGTERM stops the run as Ctrl-C does: servers stopped, scratch database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with tempfile.TemporaryDirectory(prefix="lectern-load-") as scratch_dir:
        scratch = Path(scratch_dir)
        env, services = _environment(args, scratch)
        os.environ.update(env)
        for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL"):
            if name not in env:
                os.environ.pop(name, None)

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from courses.services import course_import

        if services:
            _redis_flush(env["REDIS_URL"])
        database_url, old_name = _database_create(scratch, services)
        env["DATABASE_URL"] = database_url
        server = worker = None
        logs = {"server": scratch / "gunicorn.log"}
        try:
            call_command("collectstatic", interactive=False, verbosity=0)
            course_import(course_dir=SEED)
            _grading_log_install()
            emails = _students_create(args.students)
            check_lessons = _check_lessons()
            connection.close()  # SQLite: let the server's writes through

            port = _free_port()
            server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            if args.workers:
                server_env["WEB_CONCURRENCY"] = str(args.workers)
            server = _start(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    *("-c", "platform/gunicorn.conf.py", "config.wsgi:application"),
                ],
                server_env,
                logs["server"],
            )
            if services:
                logs["worker"] = scratch / "worker.log"
                worker = _start(
                    [
                        *(sys.executable, "-m", "celery", "-A", "config.celery_app", "worker"),
                        *("--concurrency", "2", "--pool", "prefork", "--loglevel", "INFO"),
                        *("--without-gossip", "--without-mingle"),
                    ],
                    env,
                    logs["worker"],
                )
                _wait_for_worker(worker)
            _wait_for_server(port, server)
            workers = args.workers or "default (platform/gunicorn.conf.py: 2 per CPU, 2 to 8)"
            backend = (
                f"PostgreSQL ({connection.settings_dict['NAME']}), Redis db {args.redis_db}, "
                "1 Celery worker (prefork, 2 processes)"
                if services
                else "SQLite (scratch file), Celery eager in the web process (no worker)"
            )
            print(
                f"{args.students} students for {args.seconds:.0f} s, think {args.think} s, "
                f"ramp {args.ramp:g} s; "
                f"gunicorn {workers} sync workers; {backend}"
            )
            recorder = _run_students(args, port, emails, check_lessons)
            drained = _drain(DRAIN_SECONDS)
            ok = _report(recorder, args.seconds, drained, logs)
        finally:
            _stop(server)
            _stop(worker)
            connection.close()
            connection.creation.destroy_test_db(old_name, verbosity=0)
            if services:
                _redis_flush(env["REDIS_URL"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("interrupted: servers stopped, scratch database dropped", file=sys.stderr)
        sys.exit(130)
