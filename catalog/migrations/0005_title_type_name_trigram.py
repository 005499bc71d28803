"""A search within a type: one GIN index over ``(type, UPPER(name) gin_trgm_ops)``.

With the trigram index on the name alone, PostgreSQL found every title whose
name matches, of all four types, and filtered the type afterwards (or
AND-ed the bitmap of a whole type's ``title_type_id``). ``btree_gin`` lets
the type be a column of the same GIN index, so one index scan applies both
conditions. A GIN index serves conditions on any subset of its columns, so
a search across types (the admin's) uses this index too, and the old
single-column index is dropped.

PostgreSQL only, like 0002: SQLite scans, which is fine for the embedded
default's small catalogue. The build takes a lock against title writes
(curators' edits, rating recomputes) for a few seconds on a million titles.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS title_type_name_trgm "
        'ON catalog_title USING gin ("type", UPPER("name"::text) gin_trgm_ops)'
    )
    schema_editor.execute("DROP INDEX IF EXISTS title_name_trgm")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS title_name_trgm ON catalog_title USING gin (UPPER("name"::text) gin_trgm_ops)'
    )
    schema_editor.execute("DROP INDEX IF EXISTS title_type_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_curators_group")]
    operations = [migrations.RunPython(forwards, backwards)]
