"""Search by name over a million titles: a trigram GIN index on PostgreSQL.

``name__icontains`` compiles to ``UPPER(name) LIKE UPPER('%x%')`` there, which
this index serves. SQLite has no such index and scans, which is fine for the
embedded default's small catalogue.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS title_name_trgm ON catalog_title USING gin (UPPER("name"::text) gin_trgm_ops)'
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS title_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
