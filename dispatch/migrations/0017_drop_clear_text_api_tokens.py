"""Drop DRF's token table (``rest_framework.authtoken``), which kept every API token in clear.

API tokens are now django-rest-knox's: a SHA-512 digest each, with an expiry. The old tokens are
not carried over (a digest can be made of them, but they would then never expire, and whoever
read the table has them): every integration obtains a new token with ``POST /api/auth/token/``
once after this upgrade. The app is no longer installed, so its own migrations cannot remove the
table; ``IF EXISTS`` because a database created after the change never had it. Not reversible:
the tokens are gone.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0016_service_level_limits"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
