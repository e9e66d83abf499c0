from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("advisor", "0009_portfolio_imports")]

    operations = [
        migrations.AddField(
            model_name="portfolioimport",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="Last sign of life of the worker storing it; beat re-sends a silent one.",
            ),
        ),
    ]
