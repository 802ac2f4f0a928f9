"""The service-level report is one object, and the schema says so (the fuzz job found it
documented as a list: an APIView whose action was called "list")."""

from drf_spectacular.generators import SchemaGenerator


def test_the_service_level_report_is_documented_as_one_object():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ok = schema["paths"]["/api/reports/service-levels/"]["get"]["responses"]["200"]
    body = ok["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ServiceLevelReport"}
