"""When a question in a student's review deck comes back: FSRS, the Free Spaced Repetition
Scheduler (the ``fsrs`` package), from how they answered and how hard they found it.

Framework-free: a card's memory is a plain value (``Memory``) that review.models stores.
FSRS keeps per card a stability (days until recall drops to the desired retention) and a
difficulty (1 to 10); each review updates both and sets the next due time.

Review is a daily session, so Lectern schedules in whole days: no learning or relearning
steps (FSRS's defaults bring a card back after 1 and 10 minutes, which suits a flashcard
drill, not a quiz question a student comes back to once a day). A new question answered
wrongly comes back the next day; one answered right, days to months later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import IntEnum

import fsrs

# The share of reviews a student should get right when a card comes back: FSRS's default.
DESIRED_RETENTION = 0.9
# No question waits more than a year: a course is not a lifetime deck.
MAXIMUM_INTERVAL_DAYS = 365


class Rating(IntEnum):
    """How the student found a question they answered (FSRS's four grades)."""

    AGAIN = 1  # forgotten: answered wrongly
    HARD = 2
    GOOD = 3
    EASY = 4


@dataclass(frozen=True)
class Memory:
    """What FSRS knows of one card: its fsrs.Card, minus the id, as stored."""

    state: int  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None


def new_memory(*, now: datetime) -> Memory:
    """A card just added to the deck: due at once."""
    return Memory(
        state=fsrs.State.Learning.value,
        step=0,
        stability=None,
        difficulty=None,
        due=_utc(now),
        last_review=None,
    )


def scheduler(*, fuzz: bool = True) -> fsrs.Scheduler:
    """FSRS with Lectern's settings. Fuzz spreads the due days of cards learnt together, so
    that a burst of mistakes does not come back as a burst; tests turn it off."""
    return fsrs.Scheduler(
        desired_retention=DESIRED_RETENTION,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        enable_fuzzing=fuzz,
    )


def rating_for(fraction: Decimal | None, chosen: Rating | None) -> Rating:
    """The grade FSRS gets: a wrong answer is forgotten whatever the student says; a partly
    right one is at best Hard; a right one is what the student chose (Good if nothing)."""
    if fraction is None or fraction <= 0:
        return Rating.AGAIN
    if fraction < 1:
        return min(chosen or Rating.HARD, Rating.HARD)
    return chosen or Rating.GOOD


def review(
    memory: Memory, rating: Rating, *, now: datetime, schedule: fsrs.Scheduler | None = None
) -> Memory:
    """The card's memory after a review at ``now`` with ``rating``."""
    card = fsrs.Card(
        card_id=0,  # FSRS would otherwise make one from the clock, sleeping a millisecond
        state=fsrs.State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due),
        last_review=_utc(memory.last_review) if memory.last_review else None,
    )
    card, _ = (schedule or scheduler()).review_card(card, fsrs.Rating(rating), _utc(now))
    return replace(
        memory,
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def _utc(moment: datetime) -> datetime:
    # fsrs insists on datetime.timezone.utc itself (not an equal zone such as zoneinfo's).
    if moment.tzinfo is None:
        raise ValueError("FSRS needs an aware datetime")
    return moment.astimezone(UTC)
