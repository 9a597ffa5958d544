"""The daily review reminder: off by default, at the student's hour in their time zone, once
a day whatever runs the sweep, only when questions are due, retried after a mail failure;
and the settings page, through real HTTP."""

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core import mail

from review import tasks
from review.models import Card, Deck
from review.reminders import reminders_send
from review.services import deck_refresh, reminder_save
from tests.review.test_deck import _graded
from tests.review.test_due import WRONG

# 08:05 in Tokyo (UTC+9) on 4 December.
TOKYO_MORNING = datetime(2026, 12, 3, 23, 5, tzinfo=UTC)


@pytest.fixture
def due_student(basics_quiz, student):
    """Two questions due, the deck up to date."""
    _graded(basics_quiz, student.user, WRONG)
    _graded(basics_quiz, student.user, WRONG)
    deck_refresh(user=student.user, now=TOKYO_MORNING - timedelta(days=1))
    return student


def _remind(user, hour=8, zone="Asia/Tokyo"):
    reminder_save(user=user, remind=True, remind_hour=hour, time_zone=zone)


def test_no_one_gets_a_reminder_without_asking(due_student):
    assert reminders_send(now=TOKYO_MORNING) == 0
    assert mail.outbox == []


def test_the_reminder_comes_at_the_hour_of_the_students_day_once(due_student):
    _remind(due_student.user)

    assert reminders_send(now=TOKYO_MORNING - timedelta(minutes=10)) == 0  # 07:55 in Tokyo
    assert reminders_send(now=TOKYO_MORNING) == 1
    assert reminders_send(now=TOKYO_MORNING + timedelta(minutes=15)) == 0  # the same day
    assert reminders_send(now=TOKYO_MORNING + timedelta(hours=15)) == 0  # 23:05, same day

    (email,) = mail.outbox
    assert email.to == [due_student.user.email]
    assert email.subject == "[Lectern] 2 questions to review today"
    assert Deck.objects.get(user=due_student.user).reminded_on.isoformat() == "2026-12-04"
    # The next day in Tokyo (after UTC midnight has not come yet).
    assert reminders_send(now=TOKYO_MORNING + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2


def test_the_email_is_readable_and_its_links_work(due_student):
    _remind(due_student.user)
    reminders_send(now=TOKYO_MORNING)

    (email,) = mail.outbox
    message = email.message()
    assert message.get_content_charset() == "utf-8"
    body = email.body
    links = re.findall(r"^https?://\S+$", body, flags=re.MULTILINE)
    assert links == [
        f"{settings.LECTERN_SITE_URL}/review/",
        f"{settings.LECTERN_SITE_URL}/review/reminder/",
    ]
    assert message["List-Unsubscribe"] == f"<{links[1]}>"
    for link in links:
        path = link.removeprefix(settings.LECTERN_SITE_URL)
        assert due_student.get(path).status_code == 200


def test_nothing_due_sends_nothing(basics_quiz, student):
    _remind(student.user)

    assert reminders_send(now=TOKYO_MORNING) == 0
    assert mail.outbox == []


def test_a_card_due_later_in_the_day_is_for_tomorrows_email(due_student):
    _remind(due_student.user)
    Card.objects.filter(user=due_student.user).update(due=TOKYO_MORNING + timedelta(hours=2))

    assert reminders_send(now=TOKYO_MORNING) == 0  # nothing due at 08:05: no email today
    assert reminders_send(now=TOKYO_MORNING + timedelta(hours=3)) == 0
    assert reminders_send(now=TOKYO_MORNING + timedelta(days=1)) == 1


def test_a_deactivated_account_gets_nothing(due_student):
    _remind(due_student.user)
    type(due_student.user).objects.filter(pk=due_student.user.pk).update(is_active=False)

    assert reminders_send(now=TOKYO_MORNING) == 0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_is_down_loses_no_reminder(due_student, settings):
    """A real SMTP connection to a port nothing listens on: refused, logged, tried again."""
    _remind(due_student.user)
    working = settings.MAILERS
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }

    assert reminders_send(now=TOKYO_MORNING) == 0
    assert Deck.objects.get(user=due_student.user).reminded_on is None  # not claimed

    settings.MAILERS = working
    assert reminders_send(now=TOKYO_MORNING + timedelta(minutes=15)) == 1
    assert len(mail.outbox) == 1


def test_the_beat_schedule_runs_the_task(due_student):
    entry = settings.CELERY_BEAT_SCHEDULE["send-review-reminders"]
    assert entry["task"] == tasks.reminders_send.name == "review.tasks.reminders_send"
    assert entry["schedule"] <= 15 * 60  # the hour is met within a quarter of an hour

    _remind(due_student.user, hour=0, zone="UTC")
    tasks.reminders_send.delay()

    assert len(mail.outbox) == 1


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def test_the_settings_page_saves_by_a_plain_form_post(student):
    page = _soup(student.get("/review/reminder/"))
    assert page.select_one("input[name=remind]").get("checked") is None  # off by default
    assert page.select_one("label[for=id_time_zone]").get_text(strip=True) == "Your time zone"
    assert page.select_one("select[name=time_zone]").has_attr("data-zone-from-browser")
    assert page.select_one('.account-nav a[aria-current="page"]').get_text() == "Reminder"

    response = student.post(
        "/review/reminder/", {"remind": "on", "remind_hour": "7", "time_zone": "Europe/Paris"}
    )

    assert response.status_code == 302
    deck = Deck.objects.get(user=student.user)
    assert (deck.remind, deck.remind_hour, deck.time_zone) == (True, 7, "Europe/Paris")
    page = _soup(student.get("/review/reminder/"))
    assert page.select_one("input[name=remind]").has_attr("checked")
    assert page.select_one("select[name=time_zone] option[selected]")["value"] == "Europe/Paris"
    assert not page.select_one("select[name=time_zone]").has_attr("data-zone-from-browser")


@pytest.mark.parametrize(
    "data",
    [
        {"remind": "on", "remind_hour": "24", "time_zone": "UTC"},
        {"remind": "on", "remind_hour": "8", "time_zone": "Mars/Olympus_Mons"},
        {"remind": "on", "remind_hour": "8\x00", "time_zone": "UTC"},
    ],
)
def test_a_bad_setting_is_refused_and_changes_nothing(student, data):
    response = student.post("/review/reminder/", data)

    assert response.status_code == 200
    assert _soup(response).select(".errorlist")
    assert not Deck.objects.filter(user=student.user).exists()


def test_the_settings_page_needs_a_login(anonymous):
    response = anonymous.get("/review/reminder/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
