"""Forms of the teaching pages: they parse HTTP into the typed values services take."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from teaching.enrolment import EnrolmentError, emails_from_csv, emails_from_text
from teaching.gradebook import SORTS, GradebookQuery, Status

MAX_CSV_BYTES = 2 * 1024 * 1024


class GradebookFilterForm(forms.Form):
    status = forms.ChoiceField(choices=Status.CHOICES, required=False, label="Show")
    enrolled_from = forms.DateField(
        required=False, label="Enrolled from", widget=forms.DateInput(attrs={"type": "date"})
    )
    enrolled_to = forms.DateField(
        required=False, label="to", widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(required=False, max_length=200, label="Name or email")
    sort = forms.CharField(required=False, max_length=40)
    desc = forms.BooleanField(required=False)

    def query(self, *, quiz_ids: list[int]) -> GradebookQuery:
        """The query the form asks for; anything it cannot read falls back to the default."""
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or "student"
        if sort not in SORTS and sort not in {f"quiz-{pk}" for pk in quiz_ids}:
            sort = "student"
        return GradebookQuery(
            status=data.get("status") or Status.ENROLLED,
            enrolled_from=data.get("enrolled_from"),
            enrolled_to=data.get("enrolled_to"),
            search=(data.get("q") or "").replace("\x00", "").strip(),
            sort=sort,
            descending=bool(data.get("desc")),
        )


class EnrolForm(forms.Form):
    emails = forms.CharField(
        required=False,
        label="Email addresses",
        help_text="One per line, or separated by commas or spaces.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    csv_file = forms.FileField(
        required=False,
        label="Or a CSV file",
        help_text="A spreadsheet exported as CSV: the column headed “email” is read.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean(self):
        cleaned = super().clean()
        emails = emails_from_text(cleaned.get("emails") or "")
        upload = cleaned.get("csv_file")
        if upload is not None:
            if upload.size > MAX_CSV_BYTES:
                raise forms.ValidationError("The CSV file is larger than 2 MB.")
            try:
                emails += emails_from_csv(upload.read())
            except EnrolmentError as exc:
                raise forms.ValidationError(str(exc)) from exc
        if not emails:
            raise forms.ValidationError("Give at least one email address, or a CSV file.")
        cleaned["email_list"] = emails
        return cleaned


class MarkForm(forms.Form):
    percent = forms.DecimalField(
        label="Mark (%)",
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=7,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    comment = forms.CharField(
        required=False,
        max_length=10_000,
        label="Comment for the student",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_comment(self) -> str:
        return self.cleaned_data["comment"].replace("\x00", "")
