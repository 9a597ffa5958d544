"""A student's due counts, kept in the cache between the events that change them.

The dashboard and every course page show how many questions a student has due
(review.selectors.due). That one query cost PostgreSQL more to plan than the rest of those
pages together (about 2 ms of a 4 ms page: bench/README.md), and what it counts changes only
when:

- a card falls due: kept counts hold until the student's next card is due (``Due.next_due``);
- the student's cards change (a review, a deck sync) or their results do (an attempt graded,
  a course completed or no longer complete): review's services, and the signals quizzes and
  courses send (quizzes.signals, courses.signals), ``forget`` that student's counts;
- a course's content changes (a question or quiz archived, a course unpublished): review's
  ``content_changed`` hook forgets everyone's.

To forget is to set a fresh token (the student's, or the content's). Counts are kept under
the tokens read *before* they were counted, and hold only while those tokens are current, so
counts read while a change was being made never outlive it. A change forgets at once (the
process making it sees it on its next page) and again when its transaction commits (a page
counted in between, from what was committed before, is forgotten with it).

In a cache every process shares (Redis: config.cache.is_shared), counts are kept for up to
``KEEP_SHARED`` seconds. In the embedded default's memory of each process they are kept for
``KEEP_LOCAL``: a change another process makes cannot forget them there, so a student may see
their old count for up to a second after a quiz is graded elsewhere, as a visitor may see a
course's old version (courses.selectors.published_versions). A cache that is down keeps
nothing (config.cache): every page counts.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction

from config.cache import is_shared
from review.selectors import Due

KEEP_SHARED = 600  # seconds: a bound, should a forget ever be lost (Redis down meanwhile)
KEEP_LOCAL = 1
# Tokens outlive any counts kept under them: a token that expired (back to None) can never
# bring back counts kept before it was first set.
TOKEN_KEEP = 24 * 3600
CONTENT_TOKEN = "review:due-token:content"

type Stamp = tuple[str | None, str | None]  # (the student's token, the content's)


def _counts_key(user_id: int) -> str:
    return f"review:due:{user_id}"


def _token_key(user_id: int) -> str:
    return f"review:due-token:{user_id}"


def lookup(*, user_id: int, now: datetime) -> tuple[Due | None, Stamp]:
    """The student's kept counts if they still hold at ``now`` (else None), and the stamp to
    keep freshly counted ones under. One cache read."""
    counts_key = _counts_key(user_id)
    found = cache.get_many([counts_key, _token_key(user_id), CONTENT_TOKEN])
    stamp = _stamp(found, user_id)
    kept = found.get(counts_key)
    if kept is None:
        return None, stamp
    kept_stamp, due = kept
    if kept_stamp != stamp or (due.next_due is not None and now >= due.next_due):
        return None, stamp
    return due, stamp


def stamp(*, user_id: int) -> Stamp:
    """The stamp counts made now are kept under (after a change of the caller's own)."""
    return _stamp(cache.get_many([_token_key(user_id), CONTENT_TOKEN]), user_id)


def _stamp(found: dict, user_id: int) -> Stamp:
    return found.get(_token_key(user_id)), found.get(CONTENT_TOKEN)


def keep(*, user_id: int, due: Due, stamp: Stamp) -> None:
    """Keep ``due``, counted after ``stamp`` was read, for the next pages."""
    cache.set(_counts_key(user_id), (stamp, due), KEEP_SHARED if is_shared() else KEEP_LOCAL)


def forget(*, user_ids: Iterable[int]) -> None:
    """These students' cards or results changed: their kept counts no longer hold."""
    _renew([_token_key(user_id) for user_id in user_ids])


def content_changed(*, course_ids) -> None:
    """Courses' content changed (the courses.extensions hook): nobody's kept counts hold.
    Content changes are rare; every student's next page counts once."""
    _renew([CONTENT_TOKEN])


def _renew(keys: list[str]) -> None:
    def renew() -> None:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, TOKEN_KEEP)

    if keys:
        renew()
        if connection.in_atomic_block:
            transaction.on_commit(renew)


def results_changed(sender, *, user_ids: Iterable[int], **kwargs) -> None:
    """The receiver of quizzes.signals.attempts_graded and courses.signals.completion_changed."""
    forget(user_ids=user_ids)
