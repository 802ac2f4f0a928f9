"""Thin API views: parse, call one service or selector, render."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dispatch import selectors, services
from dispatch.access import found_or_404, history_for_user
from dispatch.choices import Role
from dispatch.ports import access_logged
from dispatch.transitions import TRANSITIONS

from .filters import CallFilter, InterventionFilter, PlantFilter
from .permissions import HasActionRole
from .schema import OneObjectSchema
from .serializers import (
    CallbackCancelSerializer,
    CallbackCompleteSerializer,
    CallbackCreateSerializer,
    CallbackSerializer,
    CallDetailSerializer,
    CallSerializer,
    CallTestFlagSerializer,
    CallWriteSerializer,
    EventSerializer,
    InterventionAssignSerializer,
    InterventionCancelSerializer,
    InterventionCloseSerializer,
    InterventionCompleteSerializer,
    InterventionCreateSerializer,
    InterventionNoteSerializer,
    InterventionSerializer,
    InterventionStepResultSerializer,
    InterventionStepSerializer,
    PlantDetailSerializer,
    PlantSerializer,
    TechnicianDutySerializer,
    TechnicianPositionSerializer,
    TechnicianShiftSerializer,
)
from .viewsets import GenericViewSet, ViewSet

ALL_ROLES = frozenset(Role.values)
STAFF = frozenset({Role.OPERATOR, Role.SUPERVISOR})
READ_ACTIONS = {"list": ALL_ROLES, "retrieve": ALL_ROLES, "metadata": ALL_ROLES}


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """The call log. Calls are never deleted; an ended call's recorded fields never change."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes = [HasActionRole]
    action_roles = {
        **READ_ACTIONS,
        "history": ALL_ROLES,
        "create": STAFF,
        "partial_update": STAFF,
        "test_call": frozenset({Role.SUPERVISOR}),
    }
    filterset_class = CallFilter
    serializer_class = CallSerializer

    def get_queryset(self):
        return selectors.call_list_for_user(user=self.request.user)

    def get_object(self):
        return selectors.call_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request, pk=None):
        call = self.get_object()
        access_logged(request, kind="call.api", call=call)
        earlier = list(selectors.call_list_earlier(user=request.user, call=call))
        context = {**self.get_serializer_context(), "earlier_calls": earlier}
        return Response(CallDetailSerializer(call, context=context).data)

    def get_serializer_class(self):
        return CallDetailSerializer if self.action == "retrieve" else CallSerializer

    @extend_schema(request=CallWriteSerializer, responses={201: CallSerializer})
    def create(self, request):
        payload = CallWriteSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        call = services.call_log(actor=request.user, **payload.validated_data)
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CallWriteSerializer, responses={200: CallSerializer})
    def partial_update(self, request, pk=None):
        call = self.get_object()
        payload = CallWriteSerializer(data=request.data, partial=True, context={"request": request})
        payload.is_valid(raise_exception=True)
        call = services.call_update(actor=request.user, call=call, **payload.validated_data)
        return Response(CallSerializer(call).data)

    @extend_schema(request=CallTestFlagSerializer, responses={200: CallSerializer})
    @action(detail=True, methods=["post"], url_path="test-call")
    def test_call(self, request, pk=None):
        call = self.get_object()
        payload = CallTestFlagSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        is_test = payload.validated_data["is_test"]
        call = services.call_test_flag(actor=request.user, call=call, is_test=is_test)
        return Response(CallSerializer(call).data)

    # The whole history, oldest first: neither paginated nor filtered (the list's filters are
    # not the history's), and the schema says so.
    @extend_schema(responses={200: EventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        call = self.get_object()
        access_logged(request, kind="call.history_api", call=call)
        return Response(
            EventSerializer(selectors.event_list_for_subject(subject=call, user=request.user), many=True).data
        )


class PlantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    permission_classes = [HasActionRole]
    action_roles = READ_ACTIONS
    filterset_class = PlantFilter

    def get_queryset(self):
        user = self.request.user
        plants = selectors.plant_list_for_user(user=user).select_related("telecontrol")
        return (
            plants.prefetch_related(selectors.plant_documents_prefetch(user=user))
            if self.action == "retrieve"
            else plants
        )

    def get_object(self):
        return found_or_404(self.get_queryset(), self.kwargs["pk"])

    def get_serializer_class(self):
        return PlantDetailSerializer if self.action == "retrieve" else PlantSerializer


TRANSITION_ROLES = {name: transition.roles for name, transition in TRANSITIONS.items()}


class InterventionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Interventions and their state machine (``dispatch.transitions``): one action per transition."""

    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [HasActionRole]
    action_roles = {
        **READ_ACTIONS,
        **TRANSITION_ROLES,
        "history": ALL_ROLES,
        "create": STAFF,
        "note": STAFF | {Role.TECHNICIAN},
        "steps": {Role.TECHNICIAN},
    }
    filterset_class = InterventionFilter
    serializer_class = InterventionSerializer

    def get_queryset(self):
        return selectors.intervention_list_for_user(user=self.request.user)

    def get_object(self):
        return selectors.intervention_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def _render(self, intervention, code=status.HTTP_200_OK):
        return Response(self.get_serializer(intervention).data, status=code)

    def _parse(self, serializer_class, request) -> dict:
        payload = serializer_class(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=InterventionCreateSerializer, responses={201: InterventionSerializer})
    def create(self, request):
        data = self._parse(InterventionCreateSerializer, request)
        return self._render(services.intervention_open(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=InterventionAssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = self._parse(InterventionAssignSerializer, request)
        return self._render(
            services.intervention_assign(actor=request.user, intervention=self.get_object(), **data)
        )

    @extend_schema(
        request=InterventionStepSerializer,
        responses={201: InterventionStepResultSerializer, 200: InterventionStepResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        """A step from the technician's phone, sent when the network allowed (201 applied now,
        200 already applied before: the phone may send a step again after a lost answer)."""
        data = self._parse(InterventionStepSerializer, request)
        step, applied = services.intervention_step_apply(
            actor=request.user, intervention=self.get_object(), **data
        )
        intervention = step.intervention
        intervention.refresh_from_db(fields=["status"])
        payload = {
            "step_id": step.step_id, "applied": applied, "applied_at": step.applied_at, "flag": step.flag,
            "outcome": step.outcome, "status": intervention.status,
        }  # fmt: skip
        return Response(
            InterventionStepResultSerializer(payload).data,
            status=status.HTTP_201_CREATED if applied else status.HTTP_200_OK,
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._render(
            services.intervention_acknowledge(actor=request.user, intervention=self.get_object())
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        return self._render(services.intervention_arrive(actor=request.user, intervention=self.get_object()))

    @extend_schema(request=InterventionCompleteSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        intervention = self.get_object()
        data = self._parse(InterventionCompleteSerializer, request)
        return self._render(
            services.intervention_complete(actor=request.user, intervention=intervention, **data)
        )

    @extend_schema(request=InterventionCloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        intervention = self.get_object()
        data = self._parse(InterventionCloseSerializer, request)
        return self._render(
            services.intervention_close(actor=request.user, intervention=intervention, **data)
        )

    @extend_schema(request=InterventionCancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        intervention = self.get_object()
        data = self._parse(InterventionCancelSerializer, request)
        return self._render(
            services.intervention_cancel(actor=request.user, intervention=intervention, **data)
        )

    @extend_schema(request=InterventionNoteSerializer, responses={201: EventSerializer})
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        intervention = self.get_object()
        data = self._parse(InterventionNoteSerializer, request)
        event = services.intervention_note_add(actor=request.user, intervention=intervention, **data)
        [shown] = history_for_user(request.user, [event])
        return Response(EventSerializer(shown).data, status=status.HTTP_201_CREATED)

    # The whole history, oldest first: neither paginated nor filtered (the list's filters are
    # not the history's), and the schema says so.
    @extend_schema(responses={200: EventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        intervention = self.get_object()
        access_logged(request, kind="intervention.history_api", intervention=intervention)
        events = selectors.event_list_for_subject(subject=intervention, user=request.user)
        return Response(EventSerializer(events, many=True).data)


class CallbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Timed callbacks (and reminders) on calls and interventions: operators and supervisors.
    ``?open=1`` lists the scheduled ones, soonest first, each flagged due / overdue."""

    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [HasActionRole]
    action_roles = {
        "list": STAFF,
        "retrieve": STAFF,
        "metadata": STAFF,
        "create": STAFF,
        "complete": STAFF,
        "cancel": STAFF,
    }
    serializer_class = CallbackSerializer

    def get_queryset(self):
        if self.request.query_params.get("open") in ("1", "true"):
            return selectors.callback_list_open(user=self.request.user)
        return selectors.callback_list_for_user(user=self.request.user).order_by("-due_at", "-id")

    def get_object(self):
        return selectors.callback_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=CallbackCreateSerializer, responses={201: CallbackSerializer})
    def create(self, request):
        payload = CallbackCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        callback = services.callback_schedule(actor=request.user, **data)
        return Response(CallbackSerializer(callback).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CallbackCompleteSerializer, responses={200: CallbackSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        payload = CallbackCompleteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        callback = services.callback_complete(
            actor=request.user, callback=self.get_object(), outcome=payload.validated_data["outcome"]
        )
        return Response(CallbackSerializer(callback).data)

    @extend_schema(request=CallbackCancelSerializer, responses={200: CallbackSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        payload = CallbackCancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        callback = services.callback_cancel(
            actor=request.user, callback=self.get_object(), reason=payload.validated_data["reason"]
        )
        return Response(CallbackSerializer(callback).data)


class TechnicianShiftViewSet(ViewSet):
    """The signed-in technician's shift, from the phone: on duty or not, and the position the
    phone shares (it ranks them in the suggestion of whom to send)."""

    permission_classes = [HasActionRole]
    action_roles = {"list": {Role.TECHNICIAN}, "duty": {Role.TECHNICIAN}, "position": {Role.TECHNICIAN}}
    schema = OneObjectSchema()

    def _shift(self, profile):
        return Response(
            TechnicianShiftSerializer(
                {
                    "on_duty": profile.on_duty, "latitude": profile.latitude, "longitude": profile.longitude,
                    "position_at": profile.position_at, "position_accuracy_m": profile.position_accuracy_m,
                }
            ).data
        )  # fmt: skip

    @extend_schema(responses={200: TechnicianShiftSerializer})
    def list(self, request):
        return self._shift(selectors.technician_profile_get(user=request.user))

    @extend_schema(request=TechnicianDutySerializer, responses={200: TechnicianShiftSerializer})
    @action(detail=False, methods=["post"])
    def duty(self, request):
        payload = TechnicianDutySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._shift(services.technician_duty_set(actor=request.user, **payload.validated_data))

    @extend_schema(
        request=TechnicianPositionSerializer,
        responses={
            200: inline_serializer("PositionRecorded", {"recorded": serializers.BooleanField()}),
        },
    )
    @action(detail=False, methods=["post"])
    def position(self, request):
        """``recorded`` is false for a position older than the one kept (sent again, or late)."""
        payload = TechnicianPositionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _profile, recorded = services.technician_position_record(actor=request.user, **payload.validated_data)
        return Response({"recorded": recorded})
