"""Parsing and rendering only: services validate the domain rules."""

import copy
import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch.api.fields import IdOrCodeField, ScopedPrimaryKeyRelatedField
from dispatch.choices import STAFF_ROLES, CallType, Priority
from dispatch.models import (
    NOTES_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    Call,
    Callback,
    Event,
    Intervention,
    Plant,
)
from dispatch.phone_numbers import MAX_INPUT_LENGTH
from dispatch.roles import has_role
from dispatch.selectors import callback_is_due, callback_is_overdue
from dispatch.timeline import event_sentence
from dispatch.transitions import transitions_available

User = get_user_model()


def user_field(**kwargs) -> IdOrCodeField:
    return IdOrCodeField(
        key="username", what=_("user"), queryset=User.objects.filter(is_active=True), **kwargs
    )


class ShallowFieldsMixin(serializers.Serializer[Any]):
    """Copy declared fields shallowly for each serializer instance.

    DRF deep-copies every declared field (and any queryset it holds) for every instance; on the
    call-logging path that was the largest cost of our own (benchmarks/bench_calls_api.py).
    A flat field keeps no per-request state beyond what ``bind()`` sets on the copy, so a shallow
    copy is enough; nested serializers still get a deep copy.
    """

    def get_fields(self):
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in self._declared_fields.items()
        }


class CallSerializer(ShallowFieldsMixin, serializers.Serializer):
    """A call as the API shows it. Declared field by field rather than as a ModelSerializer: it
    renders every ``POST /api/calls/``, and introspecting the model on each request cost more
    than the rest of the serialisation (benchmarks/bench_calls_api.py)."""

    id = serializers.IntegerField(read_only=True)
    caller_number = serializers.CharField(read_only=True)
    received_at = serializers.DateTimeField(read_only=True)
    answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True)
    duration_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    line = serializers.CharField(read_only=True)
    operator = serializers.IntegerField(source="operator_id", read_only=True, allow_null=True)
    operator_username = serializers.CharField(
        source="operator.username", read_only=True, default=None, allow_null=True
    )
    plant = serializers.IntegerField(source="plant_id", read_only=True, allow_null=True)
    plant_code = serializers.CharField(source="plant.code", read_only=True, default=None, allow_null=True)
    plant_match = serializers.CharField(read_only=True)
    call_type = serializers.CharField(read_only=True)
    notes = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named like an attribute of Field; DRF keeps them apart
    external_id = serializers.CharField(read_only=True, allow_null=True)
    is_test = serializers.BooleanField(read_only=True, help_text="A quality group's test call.")
    created_at = serializers.DateTimeField(read_only=True)


class CallTestFlagSerializer(serializers.Serializer):
    is_test = serializers.BooleanField()


class EarlierCallSerializer(serializers.ModelSerializer):
    plant_code = serializers.CharField(source="plant.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Call
        fields = ["id", "received_at", "plant", "plant_code", "call_type"]
        read_only_fields = fields


class CallDetailSerializer(CallSerializer):
    """A call with the earlier calls from its number (the view finds them: context ``earlier_calls``)."""

    earlier_calls = serializers.SerializerMethodField()

    @extend_schema_field(EarlierCallSerializer(many=True))
    def get_earlier_calls(self, call: Call) -> Any:
        return EarlierCallSerializer(self.context["earlier_calls"], many=True).data


class CallWriteSerializer(ShallowFieldsMixin, serializers.Serializer):
    """Input of ``POST /api/calls/`` and ``PATCH /api/calls/{id}/``."""

    caller_number = serializers.CharField(max_length=MAX_INPUT_LENGTH, allow_blank=True, trim_whitespace=True)
    received_at = serializers.DateTimeField(required=False)
    answered_at = serializers.DateTimeField(required=False, allow_null=True)
    ended_at = serializers.DateTimeField(required=False, allow_null=True)
    line = serializers.CharField(max_length=64, required=False, allow_blank=True)
    operator = user_field(required=False, allow_null=True)
    plant = IdOrCodeField(
        key="code", what=_("plant"), queryset=Plant.objects.all(), required=False, allow_null=True
    )
    call_type = serializers.ChoiceField(choices=CallType.choices, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True)


class PlantSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    telecontrol = serializers.SerializerMethodField()

    class Meta:
        model = Plant
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "customer",
            "customer_name",
            "address",
            "municipality",
            "province",
            "latitude",
            "longitude",
            "active",
            "telecontrol",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "description": "How the plant is watched; its address (host, port, unit id, timeout) for "
            "operators and supervisors only.",
            "required": ["protocol"],
            "properties": {
                "protocol": {"type": "string"},
                "host": {"type": "string"},
                "port": {"type": "integer", "nullable": True},
                "unit_id": {"type": "integer"},
                "timeout_seconds": {"type": "string"},
            },
        }
    )
    def get_telecontrol(self, plant):
        settings = getattr(plant, "telecontrol", None)
        if settings is None:
            return None
        request = self.context.get("request")
        if not has_role(getattr(request, "user", None), *STAFF_ROLES):
            # Where a plant's controller listens is the call centre's business: the others learn
            # how the plant is watched, not its address.
            return {"protocol": settings.protocol}
        return {
            "protocol": settings.protocol,
            "host": settings.host,
            "port": settings.port,
            "unit_id": settings.unit_id,
            "timeout_seconds": str(settings.timeout_seconds),
        }


class PlantDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()

    def get_url(self, document) -> str:
        path = reverse("dispatch:plant-document", kwargs={"plant_pk": document.plant_id, "pk": document.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PlantDetailSerializer(PlantSerializer):
    documents = PlantDocumentSerializer(many=True, read_only=True)

    class Meta(PlantSerializer.Meta):
        fields = [*PlantSerializer.Meta.fields, "documents"]
        read_only_fields = fields


class InterventionSerializer(serializers.ModelSerializer):
    plant_code = serializers.CharField(source="plant.code", read_only=True)
    technician_username = serializers.CharField(
        source="technician.username", read_only=True, default=None, allow_null=True
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Intervention
        fields = [
            "id",
            "call",
            "plant",
            "plant_code",
            "summary",
            "priority",
            "status",
            "technician",
            "technician_username",
            "closing_reason",
            "cancel_reason",
            "close_override_reason",
            "opened_at",
            "assigned_at",
            "acknowledged_at",
            "arrived_at",
            "completed_at",
            "closed_at",
            "cancelled_at",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, intervention) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [t.action for t in transitions_available(user=request.user, intervention=intervention)]


class InterventionCreateSerializer(serializers.Serializer):
    call = ScopedPrimaryKeyRelatedField(queryset=Call.objects.all(), required=False, allow_null=True)
    plant = IdOrCodeField(
        key="code", what=_("plant"), queryset=Plant.objects.all(), required=False, allow_null=True
    )
    summary = serializers.CharField(max_length=SUMMARY_MAX_LENGTH)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class InterventionAssignSerializer(serializers.Serializer):
    technician = user_field()


class InterventionStepSerializer(serializers.Serializer):
    """A step taken on the technician's phone, maybe offline: ``step_id`` is the phone's own id
    for it (a step sent twice applies once), ``client_time`` the phone's clock when it was taken."""

    PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

    step_id = serializers.UUIDField()
    action = serializers.ChoiceField(choices=["acknowledge", "arrive", "complete", "note", "photo"])
    client_time = serializers.DateTimeField()
    closing_reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    photo = serializers.ImageField(
        required=False, help_text="For action ``photo`` (multipart): a JPEG, PNG or WebP image."
    )

    def validate_photo(self, photo):
        if photo.size > settings.PRONTO_PHOTO_MAX_BYTES:
            raise serializers.ValidationError(
                _("The photo is larger than %(mb)d MB.") % {"mb": settings.PRONTO_PHOTO_MAX_BYTES // 2**20}
            )
        image_format = getattr(getattr(photo, "image", None), "format", None)
        if image_format not in self.PHOTO_FORMATS:
            raise serializers.ValidationError(
                _("Send the photo as JPEG, PNG or WebP (this one is %(format)s).")
                % {"format": image_format or _("unknown")}
            )
        return photo

    def validate(self, data):
        if (data["action"] == "photo") != ("photo" in data):
            raise serializers.ValidationError(
                {"photo": _("A photo step carries one photo, and only a photo step does.")}
            )
        return data


class InterventionStepResultSerializer(serializers.Serializer):
    step_id = serializers.UUIDField()
    applied = serializers.BooleanField(help_text="False when this step id had been applied before.")
    applied_at = serializers.DateTimeField()
    flag = serializers.CharField()
    outcome = serializers.CharField()
    status = serializers.CharField()


class InterventionCompleteSerializer(serializers.Serializer):
    closing_reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class InterventionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


class InterventionCloseSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("Required while the plant still reports an anomaly or is out of service."),
    )


class InterventionNoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=NOTES_MAX_LENGTH)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)
    summary = serializers.SerializerMethodField(
        help_text=_("The event as a sentence in the reader's language (the same as on the pages).")
    )

    class Meta:
        model = Event
        fields = ["id", "seq", "occurred_at", "actor", "kind", "summary", "data", "prev_hash", "hash"]
        read_only_fields = fields

    def get_summary(self, event: Event) -> str:
        # The events reach here through access.history_for_user: the sentence says no more than
        # the data beside it.
        return event_sentence(event)


class CallbackSerializer(serializers.ModelSerializer):
    due = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Callback
        fields = [
            "id",
            "call",
            "intervention",
            "number",
            "due_at",
            "note",
            "assigned_to",
            "status",
            "created_at",
            "created_by",
            "reminded_at",
            "completed_at",
            "completed_by",
            "outcome",
            "due",
            "overdue",
        ]
        read_only_fields = fields

    def get_due(self, callback) -> bool:
        return callback_is_due(callback)

    def get_overdue(self, callback) -> bool:
        return callback_is_overdue(callback)


class CallbackCreateSerializer(serializers.Serializer):
    call = ScopedPrimaryKeyRelatedField(queryset=Call.objects.all(), required=False, allow_null=True)
    intervention = ScopedPrimaryKeyRelatedField(
        queryset=Intervention.objects.all(), required=False, allow_null=True
    )
    due_at = serializers.DateTimeField()
    number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )


class CallbackCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=500)


class CallbackCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TechnicianShiftSerializer(serializers.Serializer):
    on_duty = serializers.BooleanField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    position_at = serializers.DateTimeField(allow_null=True)
    position_accuracy_m = serializers.IntegerField(allow_null=True)


class TechnicianDutySerializer(serializers.Serializer):
    on_duty = serializers.BooleanField()


class TechnicianPositionSerializer(serializers.Serializer):
    """A position from the phone's location service (WGS 84)."""

    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
    at = serializers.DateTimeField(help_text="The phone's time of the fix.")

    def validate(self, data):
        # Phones give 15 decimals; a micro-degree (~0.1 m) is what is kept. NaN passes the
        # range checks (every comparison with it is false), so it is refused here.
        for name in ("latitude", "longitude"):
            if not math.isfinite(data[name]):
                raise serializers.ValidationError({name: _("A number is required.")})
            data[name] = Decimal(f"{data[name]:.6f}")
        return data
