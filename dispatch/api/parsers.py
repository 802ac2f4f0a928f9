"""The API's JSON request bodies, parsed by ``dispatch.inputs.json_parse``: DRF's own parser
lets ``RecursionError`` out of ``json.loads`` for a deeply nested body (500, not 400)."""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from dispatch.inputs import JsonRefused, json_parse


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        try:
            # Django has already bounded the body (DATA_UPLOAD_MAX_MEMORY_SIZE); this bound is
            # only there because json_parse asks for one.
            return json_parse(text, max_bytes=max(len(raw), 1))
        except JsonRefused as exc:
            raise ParseError(f"JSON parse error - {exc.detail}") from None
