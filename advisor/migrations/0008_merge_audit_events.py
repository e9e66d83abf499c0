"""Joins the audit log (0006) with the API tokens and idempotency keys (0005, 0007),
written in parallel. Nothing to do but order them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("advisor", "0006_audit_events"),
        ("advisor", "0007_idempotency_keys"),
    ]

    operations = []
