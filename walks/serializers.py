from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.serializers import StrictIntegerField, TitleBriefSerializer

from .models import Walk, WalkState

try:  # the accounts app's public user, once it exists
    from accounts.serializers import PublicUserSerializer
except ImportError:  # pragma: no cover - until accounts ships it

    class PublicUserSerializer(serializers.Serializer):
        id = serializers.IntegerField(read_only=True)
        username = serializers.CharField(source="profile.username", read_only=True)
        avatar = serializers.SerializerMethodField()

        @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
        def get_avatar(self, user):
            avatar = user.profile.avatar
            if not avatar:
                return None
            request = self.context.get("request")
            return request.build_absolute_uri(avatar.url) if request is not None else avatar.url


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
