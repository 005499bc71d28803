from django import forms
from django.contrib import admin

from core.errors import ServiceError
from core.forms import add_service_error

from . import services
from .models import Review


class ReviewAdminForm(forms.ModelForm):
    """Checks the rating and text with the services' own rules."""

    class Meta:
        model = Review
        fields = ["user", "title", "rating", "text"]

    def clean(self):
        data = super().clean()
        try:
            if "rating" in data:
                services.clean_rating(data["rating"])
            if "text" in data:
                services.clean_text(data["text"])
        except ServiceError as exc:
            add_service_error(self, exc)
        return data


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation through the review services, like every other door: the
    title's rating is recomputed and the cached lists are dropped."""

    form = ReviewAdminForm
    list_display = ["id", "user", "title", "rating", "updated_at"]
    list_filter = ["title__type"]
    list_select_related = ["user", "title"]
    search_fields = ["title__name", "user__email", "user__profile__username", "text"]
    raw_id_fields = ["user", "title"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-updated_at"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # A review stays its author's, about its title.
        return [*self.readonly_fields, "user", "title"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            review = services.review_update(user=obj.user, review_id=obj.pk, rating=data["rating"], text=data["text"])
        else:
            review, _created = services.review_upsert(
                user=data["user"], title_id=data["title"].pk, rating=data["rating"], text=data["text"]
            )
        obj.pk = review.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.review_delete(user=obj.user, review_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for review in queryset.select_related("user"):
            services.review_delete(user=review.user, review_id=review.pk)
