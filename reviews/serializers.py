from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import PublicUserSerializer
from catalog.serializers import StrictIntegerField, TitleBriefSerializer

from .models import RATING_MAX, RATING_MIN, Review


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "title_id", "user_id", "rating", "text", "created_at", "updated_at"]
        read_only_fields = fields


class ReviewWithTitleSerializer(ReviewSerializer):
    title = TitleBriefSerializer(read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "title"]
        read_only_fields = fields


class ReviewWithUserSerializer(ReviewSerializer):
    """A title's review. A private person's rating counts, but who they are and
    what they wrote are not shown: ``by_private_member`` true, ``user``,
    ``user_id`` null and ``text`` empty."""

    user = PublicUserSerializer(read_only=True, allow_null=True)
    by_private_member = serializers.SerializerMethodField()

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "user", "by_private_member"]
        read_only_fields = fields

    def get_by_private_member(self, review) -> bool:
        return review.user.profile.is_private

    def to_representation(self, review):
        data = super().to_representation(review)
        if data["by_private_member"]:
            data.update(user=None, user_id=None, text="")
        return data


RATING_HELP = f"A whole number from {RATING_MIN} to {RATING_MAX}"


# The shape only; reviews.services checks the values (``invalid_rating``, ``text_too_long``...).
class ReviewInSerializer(serializers.Serializer):
    title_id = StrictIntegerField()
    rating = StrictIntegerField(help_text=RATING_HELP)
    text = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)


class ReviewPatchSerializer(serializers.Serializer):
    rating = StrictIntegerField(required=False, help_text=RATING_HELP)
    text = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
