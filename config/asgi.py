import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from config.startup import refuse_a_bad_production_configuration  # noqa: E402  (after setup)

refuse_a_bad_production_configuration()
