from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.serializers import PublicUserOut
from catalog.selectors import MAX_ID
from catalog.serializers import TitleBriefOut
from core.api import StrictIntegerField

from .models import RATING_MAX, RATING_MIN, Review

TEXT_MAX = Review._meta.get_field("text").max_length


# The component names these had as ``...Serializer``; set on each class, since a
# subclass would otherwise inherit its parent's.
@extend_schema_serializer(component_name="Review")
class ReviewOut(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "title_id", "user_id", "rating", "text", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="ReviewWithTitle")
class ReviewWithTitleOut(ReviewOut):
    title = TitleBriefOut(read_only=True)

    class Meta(ReviewOut.Meta):
        fields = [*ReviewOut.Meta.fields, "title"]
        read_only_fields = fields


@extend_schema_serializer(component_name="ReviewWithUser")
class ReviewWithUserOut(ReviewOut):
    """A title's review. A private person's rating counts, but who they are and
    what they wrote are not shown: ``by_private_member`` true, ``user``,
    ``user_id`` null and ``text`` empty."""

    user = PublicUserOut(read_only=True, allow_null=True)
    by_private_member = serializers.SerializerMethodField()

    class Meta(ReviewOut.Meta):
        fields = [*ReviewOut.Meta.fields, "user", "by_private_member"]
        read_only_fields = fields

    def get_by_private_member(self, review) -> bool:
        return review.user.profile.is_private

    def to_representation(self, review):
        data = super().to_representation(review)
        if data["by_private_member"]:
            data.update(user=None, user_id=None, text="")
        return data


RATING_HELP = f"A whole number from {RATING_MIN} to {RATING_MAX}"


# The service checks the values (``invalid_rating``, ``text_too_long``, ``invalid_text``);
# the schema states the same rules. The text is counted after trimming; no NUL
# (PostgreSQL text cannot hold one).
_RULES = {
    "rating": {"minimum": RATING_MIN, "maximum": RATING_MAX},
    "text": {"maxLength": TEXT_MAX, "pattern": "^[^\\x00]*$"},
}


class ReviewIn(serializers.Serializer):
    schema_fields = {**_RULES, "title_id": {"minimum": 1, "maximum": MAX_ID}}

    title_id = StrictIntegerField()
    rating = StrictIntegerField(help_text=RATING_HELP)
    text = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)


@extend_schema_serializer(component_name="ReviewPatch")
class ReviewPatchIn(serializers.Serializer):
    schema_fields = _RULES

    rating = StrictIntegerField(required=False, help_text=RATING_HELP)
    text = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)


@extend_schema_serializer(component_name="ReviewDeleted")
class ReviewDeletedOut(serializers.Serializer):
    id = serializers.IntegerField(source="review_id", help_text="The id the review had.")
    title_id = serializers.IntegerField()
    deleted_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ReviewChanges")
class ReviewChangesOut(serializers.Serializer):
    """What changed since `updated_since`: the rows to keep, the ids to drop, the time to sync from next."""

    results = ReviewWithTitleOut(many=True, help_text="Reviews created or changed since then, oldest change first.")
    deleted = ReviewDeletedOut(many=True, help_text="Reviews deleted since then.")
    server_time = serializers.DateTimeField(help_text="Send it as the next `updated_since`.")
