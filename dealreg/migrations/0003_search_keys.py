"""Search keys for the duplicate-candidate search (dealreg.duplicates).

Deals and CRM opportunities store their search keys (`search_keys`, GIN-indexed on
PostgreSQL), which replace the name, domain and domain-label indexes and the trigram index
on the whole name: generic words such as "Telecom" made that one match a large share of
the tenant. The GIN index keeps a short pending list (256 kB, not the default 4 MB): every
query reads the whole list of not yet merged inserts, and 4 MB of it cost several
milliseconds per query.
"""

from django.db import migrations, models

BATCH = 2000
# (table, search-keys index, the trigram index it replaces)
POSTGRES_INDEXES = [
    ("dealreg_deal", "deal_search_keys", "deal_name_key_trgm"),
    ("dealreg_crmopportunity", "crm_opp_search_keys", "crm_opp_name_key_trgm"),
]


def backfill(apps, schema_editor):
    from dealreg import matching
    from dealreg.models import CustomerIdentity

    for model_name in ("Deal", "CrmOpportunity"):
        model = apps.get_model("dealreg", model_name)
        last = 0
        while True:
            batch = list(model.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not batch:
                break
            for record in batch:
                typed = matching.identity(
                    record.customer_name, record.customer_domain, str(record.customer_country)
                )
                for field, value in CustomerIdentity.keys_of(typed).items():
                    setattr(record, field, value)
            model.objects.bulk_update(batch, CustomerIdentity.KEY_FIELDS)
            last = batch[-1].pk


def postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, keys_index, old_index in POSTGRES_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {old_index}")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {keys_index} ON {table} "
            "USING gin (search_keys) WITH (gin_pending_list_limit = 256)"
        )


def drop_postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, keys_index, old_index in POSTGRES_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {keys_index}")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {old_index} ON {table} USING gin (name_key gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dealreg", "0002_trigram_search"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="crmopportunity",
            name="crm_opp_name_key",
        ),
        migrations.RemoveIndex(
            model_name="crmopportunity",
            name="crm_opp_domain_key",
        ),
        migrations.RemoveIndex(
            model_name="crmopportunity",
            name="crm_opp_domain_label",
        ),
        migrations.RemoveIndex(
            model_name="deal",
            name="deal_tenant_name_key",
        ),
        migrations.RemoveIndex(
            model_name="deal",
            name="deal_tenant_domain_key",
        ),
        migrations.RemoveIndex(
            model_name="deal",
            name="deal_tenant_domain_label",
        ),
        migrations.AddField(
            model_name="crmopportunity",
            name="search_keys",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="deal",
            name="search_keys",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(postgres_indexes, drop_postgres_indexes),
    ]
