"""Fetching a recording from the URL the phone system gives: http or https only, public
addresses only (unless ``PRONTO_RECORDING_FETCH_ALLOW_PRIVATE``), no redirects, at most
``max_bytes`` and ``timeout`` seconds for the whole download.

The host is resolved and every address it resolves to is checked before connecting, so a URL
cannot make Pronto reach its own loopback, the cloud's metadata address or the private network
(server-side request forgery). A name that resolves differently a moment later (DNS rebinding)
is narrowed by refusing redirects and by the short window; a deployment that must rule it out
entirely fetches through an egress proxy.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
import time
from typing import IO
from urllib.parse import urlsplit

import requests

CHUNK = 64 * 1024


class FetchRefused(Exception):
    """The URL may not be fetched, or what it gave is not acceptable (the message says why)."""


def address_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str, *, allow_private: bool) -> None:
    """Refuse what may not be fetched: another scheme, no host, a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused("only http and https URLs with a host are fetched")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"the host does not resolve: {exc}") from exc
    for info in infos:
        if not address_public(str(info[4][0])):
            raise FetchRefused(f"{parts.hostname} resolves to a private or reserved address")


def url_fetch(url: str, *, max_bytes: int, timeout: float, allow_private: bool) -> IO[bytes]:
    """The body at ``url`` in a temporary file (at its start), or ``FetchRefused``."""
    url_check(url, allow_private=allow_private)
    deadline = time.monotonic() + timeout
    body = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    try:
        with requests.get(url, stream=True, timeout=timeout, allow_redirects=False) as response:
            if response.status_code != 200:
                raise FetchRefused(f"the phone system answered {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchRefused(f"the recording is larger than {max_bytes} bytes")
            size = 0
            for chunk in response.iter_content(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchRefused(f"the recording is larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchRefused(f"the download took longer than {timeout:g} s")
                body.write(chunk)
    except requests.RequestException as exc:
        body.close()
        raise FetchRefused(f"the download failed: {exc}") from exc
    except FetchRefused:
        body.close()
        raise
    body.seek(0)
    return body
