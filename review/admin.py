"""Review decks in the admin, for instructors to look into: read only, since a deck and its
reviews are the student's own work (courses.admin_base.StudentDataAdmin)."""

from django.contrib import admin
from django.http import HttpRequest

from courses.admin_base import StudentDataAdmin
from review.models import Card, Deck, ReviewLog


class ReadOnlyAdmin(StudentDataAdmin):
    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReviewLogInline(admin.TabularInline):
    model = ReviewLog
    fields = ["answered_at", "fraction", "rating", "due_before", "due_after"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["answered_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    list_display = ["question", "user", "course", "reason", "due", "reviews", "lapses"]
    list_filter = ["reason", "course"]
    list_select_related = ["question", "user", "course"]
    search_fields = ["user__email", "question__key"]
    inlines = [ReviewLogInline]


@admin.register(ReviewLog)
class ReviewLogAdmin(ReadOnlyAdmin):
    list_display = ["card", "answered_at", "fraction", "rating", "due_after"]
    list_filter = ["rating", "card__course"]
    list_select_related = ["card__question", "card__user"]
    search_fields = ["card__user__email", "card__question__key"]
    date_hierarchy = "answered_at"


@admin.register(Deck)
class DeckAdmin(ReadOnlyAdmin):
    list_display = ["user", "remind", "remind_hour", "time_zone", "reminded_on", "synced_to"]
    list_filter = ["remind"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
