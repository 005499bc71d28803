from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import PublicUserSerializer
from catalog.serializers import StrictIntegerField, TitleBriefSerializer

from .models import Walk, WalkState, WatchlistEntry


class WalkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Walk
        fields = ["id", "title_id", "user_id", "state", "created_at", "updated_at"]
        read_only_fields = fields


class WalkWithTitleSerializer(WalkSerializer):
    title = TitleBriefSerializer(read_only=True)

    class Meta(WalkSerializer.Meta):
        fields = [*WalkSerializer.Meta.fields, "title"]
        read_only_fields = fields


class WalkWithUserSerializer(WalkSerializer):
    user = PublicUserSerializer(read_only=True)

    class Meta(WalkSerializer.Meta):
        fields = [*WalkSerializer.Meta.fields, "user"]
        read_only_fields = fields


STATE_HELP = "One of: " + ", ".join(WalkState.values)


# The shape only; walks.services checks the values (``invalid_state``, ``title_not_found``).
class WalkInSerializer(serializers.Serializer):
    title_id = StrictIntegerField()
    state = serializers.CharField(help_text=STATE_HELP)


class WalkPatchSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=STATE_HELP)


class WatchlistEntrySerializer(serializers.ModelSerializer):
    title = TitleBriefSerializer(read_only=True)

    class Meta:
        model = WatchlistEntry
        fields = ["id", "title_id", "user_id", "added_at", "title"]
        read_only_fields = fields


class WatchlistInSerializer(serializers.Serializer):
    title_id = StrictIntegerField()
