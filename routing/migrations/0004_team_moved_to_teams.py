import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The team now lives in the teams app (its 0001): the foreign keys point there and routing
    forgets its own copy, in Django's state only (the table and its constraints stay as they are)."""

    dependencies = [("routing", "0003_setupchange"), ("teams", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="operatorprofile",
                    name="team",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="members",
                        to="teams.team",
                    ),
                ),
                migrations.AlterField(
                    model_name="consult",
                    name="team",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="teams.team"
                    ),
                ),
                migrations.AlterField(
                    model_name="callroute",
                    name="preferred_team",
                    field=models.ForeignKey(
                        null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="teams.team"
                    ),
                ),
                migrations.DeleteModel(name="Team"),
            ],
            database_operations=[],
        ),
    ]
