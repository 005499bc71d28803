"""``ordering=-rating`` puts unrated titles last: ``rating DESC NULLS LAST, id DESC``.

A backward scan of ``title_type_rating`` yields ``DESC NULLS FIRST``, which
does not match, so PostgreSQL would sort a whole type's titles for each
page. This index matches the order exactly. SQLite has no ``NULLS LAST`` in
index definitions and no million titles; it scans.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS title_type_rating_desc ON catalog_title (type, rating DESC NULLS LAST, id DESC)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS title_type_rating_desc")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_title_name_trigram")]
    operations = [migrations.RunPython(forwards, backwards)]
