"""What courses tells the rooms above it, which it never imports (review listens)."""

from django.dispatch import Signal

# A course's completion was recorded or cleared: sent with ``user_ids`` (its student),
# inside the transaction that wrote it.
completion_changed = Signal()
