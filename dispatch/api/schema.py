"""The OpenAPI schema tells every answer an operation can give, refusals included.

drf-spectacular documents only the success of each operation; clients (and the fuzz job in
``tests/fuzz/``, which holds the API to its schema) also meet the refusals, which come from a
few places that every view shares, so they are derived here from the view rather than written
on each one:

- 400: the request carries a body, or query or header parameters, which are validated
  (serializers, filters);
- 401: the view authenticates and requires a signed-in user, and no credentials came;
- 403: the view has a permission that can refuse (a role, the webhook's signature);
- 404: the path names a row, which may not exist or be outside what the user may see;
- 409: a write that the row's current state forbids (``dispatch.errors.DomainError``, history
  that cannot change; ``dispatch.api.exception_handlers``); every write may meet one;
- 415: a body in a media type the operation does not read (or none named);
- 429: the view is throttled.

An operation that declares a code itself (``extend_schema(responses=...)``) keeps its own.
Refusals have the media type of the operation's success: JSON (``{"detail": ...}``, or the
field-keyed messages of a 400) for the API, plain text for the gateway endpoints that answer
in text. A path under ``/api/`` that names no route (an id that is not a number) is a JSON 404
(``dispatch.api.exception_handlers.not_found``), so a text endpoint's 404 may be either.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Why the request was refused."}},
    "required": ["detail"],
}
# A body that does not parse is refused as a whole (``detail``); a parsed one field by field.
VALIDATION_ERROR = {
    "anyOf": [
        {"$ref": "#/components/schemas/Error"},
        {
            "type": "object",
            "description": (
                "The messages about each field that was refused, keyed by the field's name "
                "(``non_field_errors`` for the request as a whole); a nested field's messages are "
                "nested the same way."
            ),
            "additionalProperties": {
                "anyOf": [{"type": "array", "items": {}}, {"type": "object", "additionalProperties": {}}]
            },
        },
    ]
}
DESCRIPTIONS = {
    "400": "The request's body or parameters were refused.",
    "401": "No valid credentials were sent.",
    "403": "The user's role (or the caller's signature) does not allow this operation.",
    "404": "No such row, or not one this user may see.",
    "409": "The row's current state does not allow this change.",
    "415": "The body's media type is not one this operation reads.",
    "429": "Too many requests: retry after the time the Retry-After header gives.",
}


def refusal(code: int, description: str) -> OpenApiResponse:
    """A refusal that the rules above cannot see, declared on the view (``extend_schema``): a
    query parameter that names a row answers 404 for a row the user may not see."""
    name = "ValidationError" if code == 400 else "Error"
    return OpenApiResponse(response={"$ref": f"#/components/schemas/{name}"}, description=description)


class ProntoAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._refusal_codes(operation):
            responses.setdefault(code, self._refusal(code, responses))
        return operation

    def _refusal_codes(self, operation: dict[str, Any]) -> list[str]:
        permissions = self.view.get_permissions()
        guarded = any(not isinstance(permission, AllowAny) for permission in permissions)
        codes = []
        validated = [parameter for parameter in operation.get("parameters", []) if parameter["in"] != "path"]
        if operation.get("requestBody") or validated:
            codes.append("400")
        if guarded and self.view.get_authenticators():
            codes.append("401")
        if guarded:
            codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if guarded and self.method not in SAFE_METHODS:
            codes.append("409")
        if operation.get("requestBody"):
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _refusal(self, code: str, responses: dict[str, Any]) -> dict[str, Any]:
        media_types = {media for response in responses.values() for media in response.get("content", {})}
        text = {"text/plain": {"schema": {"type": "string"}}}
        if media_types and all(media.startswith("text/") for media in media_types) and code != "404":
            return {"description": DESCRIPTIONS[code], "content": text}
        for name, schema in (("Error", ERROR), ("ValidationError", VALIDATION_ERROR)):
            self.registry.register_on_missing(
                ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            )
        name = "ValidationError" if code == "400" else "Error"
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name)
        content = {"application/json": {"schema": component.ref}}
        if media_types and all(media.startswith("text/") for media in media_types):
            content = {**text, **content}
        return {"description": DESCRIPTIONS[code], "content": content}


class OneObjectSchema(ProntoAutoSchema):
    """For a viewset whose ``list`` answers one object, not a list: ``/api/me/`` is the signed-in
    technician's own shift. drf-spectacular takes every ``list`` action for an array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False
