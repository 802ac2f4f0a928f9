"""The privacy app's models, by subject: people's requests and the access log (``requests``);
retention policies and legal holds (``retention``)."""

from .requests import AccessLogEntry, PersonalRequest, PersonalRequestStep

__all__ = ["AccessLogEntry", "PersonalRequest", "PersonalRequestStep"]
