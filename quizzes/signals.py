"""What quizzes tells the rooms above it, which it never imports (review listens)."""

from django.dispatch import Signal

# Attempts moved to graded: sent with ``user_ids`` (their students), inside the grading
# transaction, after the write.
attempts_graded = Signal()
