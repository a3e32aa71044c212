"""On PostgreSQL the database itself refuses UPDATE and DELETE of published figures."""

from django.db import migrations

TABLES = ("publicity_publication", "publicity_publicationrow")

FUNCTION = """
CREATE OR REPLACE FUNCTION publicity_published_is_final() RETURNS trigger AS $$
BEGIN
    -- A test database sets jifen.allow_truncate so that Django's flush can
    -- empty it between transactional tests; no production database does.
    IF TG_OP = 'TRUNCATE' AND current_setting('jifen.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'publications are kept as published (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGERS = """
CREATE TRIGGER {table}_final
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION publicity_published_is_final();
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION publicity_published_is_final();
"""
DROP = """
DROP TRIGGER IF EXISTS {table}_final ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL holds a literal % for RAISE, not a placeholder.
        schema_editor.execute(FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(TRIGGERS.format(table=table), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(DROP.format(table=table), params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS publicity_published_is_final();")


class Migration(migrations.Migration):
    dependencies = [("publicity", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
