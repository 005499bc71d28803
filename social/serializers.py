from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import PublicUserOut
from catalog.serializers import TitleBriefOut
from core.api import StrictBooleanField


class FollowOutSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "approved"])


class PrivacySerializer(serializers.Serializer):
    is_private = StrictBooleanField(required=False)
    notify_new_follower = StrictBooleanField(required=False)
    notify_follow_request = StrictBooleanField(required=False)


class FollowRequestActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "decline"])


class FeedEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["walk", "review"])
    id = serializers.IntegerField(source="item.id")
    updated_at = serializers.DateTimeField(source="item.updated_at")
    user = PublicUserOut(source="item.user")
    title = TitleBriefOut(source="item.title")
    state = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()

    def get_state(self, entry) -> str | None:
        return entry.item.state if entry.kind == "walk" else None

    def get_rating(self, entry) -> int | None:
        return entry.item.rating if entry.kind == "review" else None

    def get_text(self, entry) -> str | None:
        return entry.item.text if entry.kind == "review" else None
