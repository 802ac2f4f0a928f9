"""The service-level report over the API: the same figures as the report pages and exports."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.api.permissions import HasActionRole
from dispatch.api.schema import refusal
from dispatch.choices import ReportGrouping, Role
from reports import selectors
from reports.figures import report_data
from reports.queries import service_level_report
from reports.routers import reads_from_replica

from .serializers import ServiceLevelQuerySerializer, ServiceLevelReportSerializer


class ServiceLevelReportView(APIView):
    """Service levels of one customer against its standards, over a range of days: the same
    figures as the report pages and exports. Supervisors: any customer; utility users: their
    own (any other: 404)."""

    permission_classes = [HasActionRole]
    action = "read"
    action_roles = {"read": frozenset({Role.SUPERVISOR, Role.UTILITY})}

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", int, required=True),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First day, local time."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day, included."),
            OpenApiParameter("group_by", str, enum=ReportGrouping.values, description="Default: month."),
        ],
        responses={
            200: ServiceLevelReportSerializer,
            404: refusal(404, "No such customer, or not one this user may see."),
        },
    )
    def get(self, request):
        query = ServiceLevelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        customer = selectors.customer_get_for_reports(user=request.user, pk=params["customer"])
        with reads_from_replica():
            report = service_level_report(
                customer=customer, date_from=params["date_from"], date_to=params["date_to"],
                group_by=params["group_by"],
            )  # fmt: skip
        return Response(report_data(report))
