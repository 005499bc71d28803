from __future__ import annotations

from rest_framework import serializers

from .models import Held, Mode, Source, Status


class ImportIn(serializers.Serializer):
    # Checked by the service (``file_required``, ``file_empty``): Django's multipart
    # parser drops a zero-byte file part, which is then simply absent.
    file = serializers.FileField(required=False, help_text="The export file: ZIP, CSV, XML (gzipped or not) or JSON")
    schema_required = ("file",)
    source = serializers.ChoiceField(choices=Source.values)
    mode = serializers.ChoiceField(choices=Mode.values, default=Mode.NEW)
    dry_run = serializers.BooleanField(default=False, help_text="Only plan the rows (the preview); confirm later")
    held = serializers.ChoiceField(
        choices=Held.values, default=Held.IN_PROGRESS, help_text="MyAnimeList On-Hold and Dropped: in progress or skip"
    )


class ImportConfirmIn(serializers.Serializer):
    held = serializers.ChoiceField(choices=Held.values, required=False)


class ProgressOut(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()


class ImportOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.values)
    source = serializers.ChoiceField(choices=Source.values)
    mode = serializers.ChoiceField(choices=Mode.values)
    held = serializers.ChoiceField(choices=Held.values)
    progress = ProgressOut()
    plan = serializers.DictField(help_text="The preview: match, create, skip, held, reasons")
    counts = serializers.DictField(help_text="What the run did so far")
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
