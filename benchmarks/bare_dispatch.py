"""The bare path of ``bench_dispatch_latency.py``: one plain Celery task that hands an
already-rendered message straight to a gateway, and records (in Redis, the broker) the moment
the gateway accepted it. No database, no rendering, no outbox: what is left is a Celery round
trip plus the gateway's own protocol, i.e. the floor Pronto's delivery path is compared with.

The benchmark's worker imports this module (``celery worker -I benchmarks.bare_dispatch``).
"""

from __future__ import annotations

import ftplib
import io
import os
import re
import smtplib
import time
import urllib.request

import redis

from config.celery import app

_redis: redis.Redis | None = None
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _accepted(key: str, channel: str) -> None:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    _redis.rpush(key, f"{channel} {time.time():.6f}")


@app.task(ignore_result=True, name="bench.bare_send")
def bare_send(key: str, channel: str, message: dict) -> None:
    if channel == "sms":
        # ``message["url"]``: the sendsms URL with every parameter already in its query.
        with _opener.open(message["url"], timeout=10) as response:
            reply = response.read().decode()
        if not reply.startswith(("0:", "3:")):
            raise RuntimeError(f"Kannel refused: {reply}")
    elif channel in ("email", "fax_email"):
        with smtplib.SMTP(message["host"], message["port"], timeout=10) as smtp:
            smtp.sendmail(message["from"], [message["to"]], message["bytes"].encode("latin-1"))
    elif channel == "fax_hylafax":
        _hylafax_submit(message)
    else:
        raise ValueError(channel)
    _accepted(key, channel.split("_")[0])


def _hylafax_submit(message: dict) -> None:
    """The fewest commands hfaxd needs to queue one PDF to one number."""
    ftp = ftplib.FTP()
    ftp.connect(message["host"], message["port"], timeout=10)
    try:
        reply = ftp.sendcmd(f"USER {message['user']}")
        if reply.startswith("3"):
            ftp.sendcmd(f"PASS {message['password']}")
        ftp.sendcmd("FORM PDF")
        stored = ftp.storbinary("STOT", io.BytesIO(message["pdf"].encode("latin-1")))
        path = re.search(r"FILE: ([^\s)]+)", stored).group(1)
        ftp.sendcmd("JNEW")
        # What faxq needs to schedule a job (without a kill time or page size it NAKs it).
        for parameter in (
            f'FROMUSER "{message["user"]}"', "LASTTIME 000100", "MAXDIALS 3", "MAXTRIES 3",
            f'DIALSTRING "{message["number"]}"', 'NOTIFY "NONE"', "VRES 196", "PAGEWIDTH 209",
            "PAGELENGTH 296",
        ):  # fmt: skip
            ftp.sendcmd(f"JPARM {parameter}")
        ftp.sendcmd(f"JPARM DOCUMENT {path}")
        submitted = ftp.sendcmd("JSUBM")
        if not submitted.startswith("2"):
            raise RuntimeError(f"hfaxd refused the job: {submitted}")
    finally:
        ftp.quit()
