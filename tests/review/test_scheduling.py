"""FSRS as the review deck uses it (review.scheduling): the package's own documented example,
Lectern's grading of answers, and a simulated month of daily reviews with a frozen clock."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import fsrs
import pytest

from review.scheduling import (
    MAXIMUM_INTERVAL_DAYS,
    Rating,
    new_memory,
    rating_for,
    review,
    scheduler,
)

START = datetime(2022, 11, 29, 12, 30, tzinfo=UTC)


def test_the_packages_own_example_gives_its_documented_intervals():
    # fsrs's own test (test_review_card): its default scheduler, fuzzing off.
    schedule = fsrs.Scheduler(enable_fuzzing=False)
    memory, now, days = new_memory(now=START), START, []
    for rating in [Rating.GOOD] * 6 + [Rating.AGAIN] * 2 + [Rating.GOOD] * 5:
        memory = review(memory, rating, now=now, schedule=schedule)
        days.append((memory.due - memory.last_review).days)
        now = memory.due

    assert days == [0, 2, 11, 46, 163, 498, 0, 0, 2, 4, 7, 12, 21]


def test_lectern_schedules_whole_days_and_caps_an_interval_at_a_year():
    schedule = scheduler(fuzz=False)
    memory, now, days = new_memory(now=START), START, []
    for rating in [Rating.AGAIN] + [Rating.EASY] * 7:
        memory = review(memory, rating, now=now, schedule=schedule)
        days.append((memory.due - now) / timedelta(days=1))
        now = memory.due

    assert days[0] == 1  # a new question answered wrongly: tomorrow
    assert all(d == int(d) for d in days) and days == sorted(days)
    assert days[-1] == MAXIMUM_INTERVAL_DAYS


@pytest.mark.parametrize(
    ("fraction", "chosen", "rating"),
    [
        (Decimal(0), Rating.EASY, Rating.AGAIN),  # wrong is forgotten, whatever is chosen
        (None, None, Rating.AGAIN),
        (Decimal("0.5"), Rating.EASY, Rating.HARD),  # partly right: Hard at best
        (Decimal("0.5"), None, Rating.HARD),
        (Decimal("0.5"), Rating.AGAIN, Rating.AGAIN),
        (Decimal(1), None, Rating.GOOD),
        (Decimal(1), Rating.EASY, Rating.EASY),
        (Decimal(1), Rating.HARD, Rating.HARD),
    ],
)
def test_an_answer_and_a_self_rating_make_the_grade(fraction, chosen, rating):
    assert rating_for(fraction, chosen) == rating


def test_a_simulated_month_of_daily_reviews():
    """Four questions, the student reviewing once a day whatever is due, for 30 days: one
    always right, one forgotten at its third review, one always found hard, one missed three
    days running. Fuzzing off, so the whole month is exact."""
    schedule = scheduler(fuzz=False)
    grades = {
        "right": lambda n: Rating.GOOD,
        "lapse": lambda n: Rating.AGAIN if n == 2 else Rating.GOOD,
        "hard": lambda n: Rating.HARD,
        "missed": lambda n: Rating.AGAIN if n < 3 else Rating.GOOD,
    }
    cards = {name: new_memory(now=START) for name in grades}
    seen: dict[str, list[int]] = {name: [] for name in grades}
    for day in range(30):
        now = START + timedelta(days=day)  # the frozen clock of each day's session
        for name, memory in cards.items():
            if memory.due <= now:
                cards[name] = review(
                    memory, grades[name](len(seen[name])), now=now, schedule=schedule
                )
                assert cards[name].due > now and cards[name].last_review == now
                seen[name].append(day)

    assert seen == {
        "right": [0, 2, 13],
        "lapse": [0, 2, 13, 15, 20],  # forgotten on day 13: back two days later, then rebuilt
        "hard": [0, 1, 4, 11, 23],
        "missed": [0, 1, 2, 3, 4, 5, 7, 10, 15, 23],  # back every day until it is right
    }
    assert cards["right"].stability > cards["lapse"].stability
    assert cards["right"].difficulty < cards["hard"].difficulty < cards["missed"].difficulty
    assert cards["right"].due == START + timedelta(days=59)


def test_fsrs_gets_utc_whatever_zone_the_clock_is_in():
    paris = datetime(2026, 12, 3, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))

    memory = review(new_memory(now=paris), Rating.GOOD, now=paris, schedule=scheduler(fuzz=False))

    assert memory.last_review == paris and memory.last_review.tzinfo is UTC
    with pytest.raises(ValueError):
        new_memory(now=datetime(2026, 12, 3, 9, 0))
