from django.contrib import admin

from teaching.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made from a course's Enrolment page; here they can be looked up."""

    list_display = ["email", "course", "invited_by", "created", "accepted_at"]
    list_filter = ["course", ("accepted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["course", "invited_by"]
    search_fields = ["email"]
    readonly_fields = ["course", "email", "invited_by", "created", "accepted_at", "accepted_by"]

    def has_add_permission(self, request) -> bool:
        return False
