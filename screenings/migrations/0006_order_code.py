# An order code (the order link's secret) for every order, existing ones included.

import secrets

from django.db import migrations, models

import screenings.codes


def fill_codes(apps, schema_editor):
    Order = apps.get_model("screenings", "Order")
    for order in Order.objects.filter(code__isnull=True).only("pk").iterator():
        Order.objects.filter(pk=order.pk).update(code=secrets.token_urlsafe(32))


class Migration(migrations.Migration):

    dependencies = [
        ("screenings", "0005_sale_limits_and_idempotency_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="code",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order",
            name="code",
            field=models.CharField(
                default=screenings.codes.code_new,
                editable=False,
                help_text="The order link's secret (256 bits).",
                max_length=64,
                unique=True,
            ),
        ),
    ]
