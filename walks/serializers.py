from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from accounts.serializers import PublicUserOut
from catalog.selectors import MAX_ID
from catalog.serializers import TitleBriefOut
from core.api import EnumField, StrictIntegerField

from .models import Walk, WalkState, WatchlistEntry


# The component names these had as ``...Serializer``; set on each class, since a
# subclass would otherwise inherit its parent's.
@extend_schema_serializer(component_name="Walk")
class WalkOut(serializers.ModelSerializer):
    class Meta:
        model = Walk
        fields = ["id", "title_id", "user_id", "state", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="WalkWithTitle")
class WalkWithTitleOut(WalkOut):
    title = TitleBriefOut(read_only=True)

    class Meta(WalkOut.Meta):
        fields = [*WalkOut.Meta.fields, "title"]
        read_only_fields = fields


@extend_schema_serializer(component_name="WalkWithUser")
class WalkWithUserOut(WalkOut):
    user = PublicUserOut(read_only=True)

    class Meta(WalkOut.Meta):
        fields = [*WalkOut.Meta.fields, "user"]
        read_only_fields = fields


STATE_HELP = "One of: " + ", ".join(WalkState.values)


# The shape only; walks.services checks the values (``invalid_state``, ``title_not_found``).
class WalkIn(serializers.Serializer):
    schema_fields = {"title_id": {"minimum": 1, "maximum": MAX_ID}}

    title_id = StrictIntegerField()
    state = EnumField(choices=WalkState.choices, help_text=STATE_HELP)


@extend_schema_serializer(component_name="WalkPatch")
class WalkPatchIn(serializers.Serializer):
    schema_required = ("state",)  # the PATCH parses it whole: a state is the only change

    state = EnumField(choices=WalkState.choices, help_text=STATE_HELP)


@extend_schema_serializer(component_name="WatchlistEntry")
class WatchlistEntryOut(serializers.ModelSerializer):
    title = TitleBriefOut(read_only=True)

    class Meta:
        model = WatchlistEntry
        fields = ["id", "title_id", "user_id", "added_at", "title"]
        read_only_fields = fields


@extend_schema_serializer(component_name="WatchlistIn")
class WatchlistIn(serializers.Serializer):
    schema_fields = {"title_id": {"minimum": 1, "maximum": MAX_ID}}

    title_id = StrictIntegerField()


@extend_schema_serializer(component_name="WalkDeleted")
class WalkDeletedOut(serializers.Serializer):
    id = serializers.IntegerField(source="walk_id", help_text="The id the walk had.")
    title_id = serializers.IntegerField()
    deleted_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="WalkChanges")
class WalkChangesOut(serializers.Serializer):
    """What changed since `updated_since`: the rows to keep, the ids to drop, the time to sync from next."""

    results = WalkWithTitleOut(many=True, help_text="Walks created or changed since then, oldest change first.")
    deleted = WalkDeletedOut(many=True, help_text="Walks deleted since then.")
    server_time = serializers.DateTimeField(help_text="Send it as the next `updated_since`.")
