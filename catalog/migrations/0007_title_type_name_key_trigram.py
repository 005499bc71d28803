"""Search folds names (``Title.name_key``) and tolerates a typo by trigram
word similarity: one GIN index over ``(type, name_key gin_trgm_ops)`` serves
both the every-word ``LIKE`` and the ``%>`` of the fallback within a type.

PostgreSQL only, like 0005: SQLite scans, and its typo fallback compares a
bounded candidate set in Python (catalog.selectors)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS title_type_name_key_trgm ON catalog_title USING gin ("type", "name_key" gin_trgm_ops)'
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS title_type_name_key_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_external_ids_name_key")]
    operations = [migrations.RunPython(forwards, backwards)]
