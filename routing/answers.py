"""What the router tells the phone system about a call."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class RouteAnswer:
    """What the phone system is told (``routing.api.serializers.RouteAnswerSerializer``)."""

    action: str
    uri: str = ""
    agent: str = ""
    extension: str = ""
    timeout: int | None = None
    position: int | None = None
    priority: int | None = None
    estimated_wait: int | None = None
    announcement: str = ""
    code: int | None = None
    consult_of: str = ""

    def as_json(self) -> dict[str, object]:
        return {key: value for key, value in asdict(self).items() if value not in ("", None)}
