"""The order choices are shown in. Pure functions, no Django.

A form posts a choice as its position on the screen; only the server maps it back to an answer,
through the same seeded order it showed. Chapter quiz attempts are seeded per attempt; a
knowledge check (its form is on the lesson page before any attempt exists) per student and
quiz, with :func:`check_seed`.
"""

import hashlib
import hmac
import random

from quizzes import gift

__all__ = ["check_seed", "choice_order"]


def check_seed(*, secret: str, user_id: int, quiz_id: int) -> int:
    """A stable, unguessable 48-bit seed for one student's knowledge check."""
    digest = hmac.new(secret.encode(), f"{user_id}:{quiz_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:6], "big")


def choice_order(*, seed: int, question_id: int, parsed: gift.Question, shuffle: bool) -> list[int]:
    """Display position -> index in the question's answers (matching: its choices).

    Matching choices are always shuffled: in source order they would line up with their
    subquestions and give the answer away.
    """
    if parsed.kind is gift.Kind.MATCHING:
        count = len(parsed.choices)
    elif parsed.kind in (gift.Kind.MULTICHOICE, gift.Kind.MULTIRESPONSE):
        count = len(parsed.answers)
    else:
        return []
    order = list(range(count))
    if shuffle or parsed.kind is gift.Kind.MATCHING:
        random.Random(f"{seed}:{question_id}").shuffle(order)
    return order
