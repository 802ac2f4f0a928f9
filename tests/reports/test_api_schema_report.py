"""The service-level report is one object, and the schema says so (the fuzz job found it
documented as a list: an APIView whose action was called "list")."""

from drf_spectacular.generators import SchemaGenerator


def test_the_service_level_report_is_documented_as_one_object():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ok = schema["paths"]["/api/reports/service-levels/"]["get"]["responses"]["200"]
    body = ok["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ServiceLevelReport"}


def test_a_period_outside_the_centres_years_is_refused():
    import datetime as dt

    from reports.figures import period_problem

    assert (
        period_problem(dt.date(14, 1, 2), dt.date(15, 2, 2), "month")
        == "Reports cover the years 2000 to 2999."
    )
    assert period_problem(dt.date(2026, 1, 1), dt.date(2026, 1, 31), "month") is None
