"""Trigram indexes for the duplicate-candidate search (PostgreSQL only).

The embedded default (SQLite) has no pg_trgm; there the candidate search falls back to the
indexed exact keys plus a scan of the tenant's open records, which gives the same answers,
only slower (DESIGN.md, Two ways to run).
"""

from django.db import migrations

INDEXES = [
    ("dealreg_deal", "deal_name_key_trgm"),
    ("dealreg_crmopportunity", "crm_opp_name_key_trgm"),
    ("dealreg_namedaccount", "named_account_name_key_trgm"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name in INDEXES:
        # tenant_id leads (btree_gin is not needed: the trigram index is combined with the
        # tenant filter by a bitmap AND, and candidates are re-checked in the query).
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (name_key gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("dealreg", "0001_deal_registration")]

    operations = [migrations.RunPython(forwards, backwards)]
