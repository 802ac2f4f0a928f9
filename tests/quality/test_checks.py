"""``manage.py check`` refuses recordings settings that cannot work."""

from quality.checks import recordings_settings_check


def test_the_default_settings_pass():
    assert recordings_settings_check(None) == []


def test_an_unknown_role_a_missing_storage_and_a_zero_bound_are_errors(settings):
    settings.PRONTO_RECORDING_LISTEN_ROLES = ["supervisor", "auditor"]
    settings.STORAGES = {**settings.STORAGES, "recordings": {"BACKEND": "no.such.Storage"}}
    settings.PRONTO_RECORDING_MAX_BYTES = 0
    errors = recordings_settings_check(None)
    assert [error.id for error in errors] == ["quality.E001", "quality.E002", "quality.E003"]
    assert "auditor" in errors[0].msg
