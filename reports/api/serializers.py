"""The service-level report's query, and its answer's shape for the API's schema.

The answer itself is ``reports.figures.report_data`` (what a sign-off keeps and hashes, built
without DRF); ``ServiceLevelReportSerializer`` documents it for drf-spectacular, and a test holds
the two to the same fields and, on a report, to the same JSON."""

from rest_framework import serializers

from dispatch.choices import ReportGrouping
from reports.figures import MEASURES, period_problem
from reports.forms import period_query


class ServiceLevelQuerySerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    # "from" is a Python keyword: the field is named by the source of its query parameter.
    date_from = serializers.DateField(help_text="First day, local time (YYYY-MM-DD).")
    date_to = serializers.DateField(help_text="Last day, included.")
    group_by = serializers.ChoiceField(choices=ReportGrouping.choices, default=ReportGrouping.MONTH)

    def to_internal_value(self, data):
        # from/to as documented, or date_from/date_to as the pages and CSV export spell them;
        # errors name the parameter the request used.
        values, used, conflicts = period_query(data)
        self._names = {"date_from": "from", "date_to": "to"} | used
        try:
            if conflicts:
                raise serializers.ValidationError(conflicts)
            return super().to_internal_value(values)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            named = {self._names.get(key, key): value for key, value in detail.items()}
            raise serializers.ValidationError(named) from None

    def validate(self, data):
        problem = period_problem(data["date_from"], data["date_to"], data["group_by"])
        if problem:
            raise serializers.ValidationError({self._names["date_to"]: problem})
        return data


class ServiceLevelFiguresSerializer(serializers.Serializer):
    calls = serializers.IntegerField()
    answer = serializers.DictField(child=serializers.IntegerField())
    answer_share = serializers.FloatField(allow_null=True, help_text="% of within / (within + missed).")
    arrival = serializers.DictField(child=serializers.IntegerField())
    arrival_share = serializers.FloatField(allow_null=True)
    distributions = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))


class ServiceLevelGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like an attribute of Field; DRF keeps them apart
    figures = ServiceLevelFiguresSerializer()


class ServiceLevelMissSerializer(serializers.Serializer):
    call_id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    plant_code = serializers.CharField()
    call_type = serializers.CharField()
    answer = serializers.CharField()
    arrival = serializers.CharField()
    answer_seconds = serializers.FloatField(allow_null=True)
    arrival_minutes = serializers.FloatField(allow_null=True)
    intervention_id = serializers.IntegerField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class ServiceLevelProfileReportSerializer(serializers.Serializer):
    rules = serializers.DictField(source="profile.rules")
    answer_meets = serializers.BooleanField(allow_null=True)
    arrival_meets = serializers.BooleanField(allow_null=True)
    total = ServiceLevelFiguresSerializer()
    groups = ServiceLevelGroupSerializer(many=True)
    misses = ServiceLevelMissSerializer(many=True, help_text="The first 200, oldest first.")
    misses_total = serializers.IntegerField()
    buckets = serializers.SerializerMethodField()

    def get_buckets(self, report) -> dict[str, list[str]]:
        return {measure.name: measure.bucket_labels() for measure in MEASURES}


class ServiceLevelReportSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    customer_name = serializers.CharField(source="customer.name")
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    time_zone = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    group_by = serializers.CharField()
    computed_at = serializers.DateTimeField()
    rules = serializers.ListField(child=serializers.CharField())
    profiles = ServiceLevelProfileReportSerializer(many=True)
    apart = serializers.DictField(child=serializers.IntegerField(), help_text="Calls counted apart, by type.")
    outside = serializers.DictField(
        child=serializers.IntegerField(), help_text="Calls outside the statistics, by type."
    )
    test_calls = serializers.IntegerField(help_text="Test calls in the period, left out of every figure.")
