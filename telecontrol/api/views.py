"""Telecontrol endpoints: live check, latest state and alarms of a plant."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.api.permissions import HasActionRole
from dispatch.choices import Role
from telecontrol import selectors, services

from .serializers import (
    PlantAlarmSerializer,
    PlantStateSerializer,
    PlantStatusQuerySerializer,
    PlantStatusSerializer,
)

CHECKERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN})


class PlantStatusView(APIView):
    """Check the plant now. Modbus plants are read live within their timeout; MQTT plants
    answer from their latest telemetry with its age. With ``call`` or ``intervention`` the
    check is stored and written into that history."""

    permission_classes = [HasActionRole]
    action = "check"
    action_roles = {"check": CHECKERS}

    @extend_schema(
        parameters=[
            OpenApiParameter("call", int, description="store the check on this call"),
            OpenApiParameter("intervention", int, description="store the check on this intervention"),
        ],
        responses={200: PlantStatusSerializer},
    )
    def get(self, request, pk):
        plant = dispatch_selectors.plant_get_for_user(user=request.user, pk=pk)
        # The subject must be one the user may see: 404 otherwise, as for any row (scoped fields).
        query = PlantStatusQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        call, intervention = query.validated_data.get("call"), query.validated_data.get("intervention")
        result = services.plant_check(actor=request.user, plant=plant, call=call, intervention=intervention)
        return Response(PlantStatusSerializer(result).data)


class PlantStateView(APIView):
    """The plant's latest known state (no live check) and its alarms still up."""

    permission_classes = [HasActionRole]
    action = "state"
    action_roles = {"state": CHECKERS}

    @extend_schema(
        responses={
            200: inline_serializer(
                "PlantTelecontrolState",
                {"state": PlantStateSerializer(allow_null=True), "alarms": PlantAlarmSerializer(many=True)},
            )
        }
    )
    def get(self, request, pk):
        plant = dispatch_selectors.plant_get_for_user(user=request.user, pk=pk)
        state = selectors.plant_state_get(plant=plant)
        alarms = selectors.plant_alarm_list_up(plant_id=plant.pk)
        return Response(
            {
                "state": PlantStateSerializer(state).data if state is not None else None,
                "alarms": PlantAlarmSerializer(alarms, many=True).data,
            }
        )
