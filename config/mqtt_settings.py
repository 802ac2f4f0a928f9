"""The telemetry listener at scale and over TLS (issue 22, docs/telecontrol.md "Scaling out and
securing the listener").

Star-imported by ``config/settings.py``, beside the other ``PRONTO_MQTT_*`` settings.
"""

import environ

_env = environ.Env()

# MQTT 5 shared subscription group: N ``telemetry_listen`` processes with the same group share
# the plants' topics (``$share/<group>/plants/+/telemetry``), each message going to one of them.
# Empty: a plain subscription, every listener gets every message (one listener, as before).
PRONTO_MQTT_SHARE_GROUP = _env.str("PRONTO_MQTT_SHARE_GROUP", default="")
# How long the broker keeps a listener's session (subscriptions, messages queued and in flight)
# after it went away. Restart the same instance within this time and nothing is lost.
PRONTO_MQTT_SESSION_EXPIRY_SECONDS = _env.int("PRONTO_MQTT_SESSION_EXPIRY_SECONDS", default=86400)
# TLS: the CA that signed the broker's certificate (enables TLS), and the listener's own client
# certificate and key when the broker asks for one. Empty: plain TCP.
PRONTO_MQTT_TLS_CA = _env.str("PRONTO_MQTT_TLS_CA", default="")
PRONTO_MQTT_TLS_CERT = _env.str("PRONTO_MQTT_TLS_CERT", default="")
PRONTO_MQTT_TLS_KEY = _env.str("PRONTO_MQTT_TLS_KEY", default="")
