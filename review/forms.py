"""The student's reminder settings."""

import zoneinfo

from django import forms
from django.utils import timezone

from review.models import Deck


def _zones() -> list[tuple[str, str]]:
    names = sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")
    site = timezone.get_default_timezone_name()
    return [("", f"The site's ({site})"), *((name, name.replace("_", " ")) for name in names)]


class ReminderForm(forms.ModelForm):
    remind_hour = forms.TypedChoiceField(
        label="At",
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text="The first reminder run after this hour of your day sends it.",
    )
    time_zone = forms.ChoiceField(label="Your time zone", required=False, choices=_zones)

    class Meta:
        model = Deck
        fields = ["remind", "remind_hour", "time_zone"]
        help_texts = {"remind": "One email a day at most, only when questions are due."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.time_zone:
            # lectern.js starts it at the browser's time zone.
            self.fields["time_zone"].widget.attrs["data-zone-from-browser"] = ""
