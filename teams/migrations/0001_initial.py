from django.db import migrations, models


class Migration(migrations.Migration):
    """The team moves from routing to this app: in Django's state only. Its table
    (``routing_team``) and every row stay where they are; routing's 0004 points its foreign keys
    here and forgets its own copy."""

    initial = True

    dependencies = [("routing", "0003_setupchange")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Team",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=80, verbose_name="name")),
                        ("region", models.CharField(blank=True, max_length=80, verbose_name="region")),
                        ("is_second_line", models.BooleanField(default=False, verbose_name="second line")),
                        (
                            "consult_number",
                            models.CharField(
                                blank=True,
                                help_text="What a first-line operator dials to consult this second-line team.",
                                max_length=32,
                                verbose_name="consult number",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "team",
                        "verbose_name_plural": "teams",
                        "ordering": ["name"],
                        "db_table": "routing_team",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
