"""The teams over the API: a team with its leader, backup team, members and area; the writes'
bodies; the change log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from dispatch.api.fields import RowIdField
from dispatch.models import Plant
from teams.choices import AreaKind, MemberRole
from teams.models import Team, TeamArea, TeamChange, TeamMembership


class TeamMemberSerializer(serializers.ModelSerializer[TeamMembership]):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = TeamMembership
        fields = ["user", "username", "name", "role", "since"]
        read_only_fields = fields

    def get_name(self, membership: TeamMembership) -> str:
        return membership.user.get_full_name() or membership.user.get_username()


class TeamAreaSerializer(serializers.ModelSerializer[TeamArea]):
    plant_code = serializers.CharField(source="plant.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = TeamArea
        fields = ["id", "kind", "plant", "plant_code", "name"]
        read_only_fields = fields


class RegionalTeamSerializer(serializers.ModelSerializer[Team]):
    members = TeamMemberSerializer(source="memberships", many=True, read_only=True)
    areas = TeamAreaSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "code",
            "name",
            "region",
            "is_second_line",
            "leader",
            "backup_team",
            "members",
            "areas",
        ]
        read_only_fields = fields


class MemberWriteSerializer(serializers.Serializer[Any]):
    user = RowIdField(queryset=get_user_model().objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=MemberRole.choices)


class AreaWriteSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=AreaKind.choices)
    plant = RowIdField(queryset=Plant.objects.all(), required=False, allow_null=True, default=None,
                       help_text="For kind plant.")  # fmt: skip
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                 help_text="Municipality; or province as its two-letter code.")  # fmt: skip


class LeadershipSerializer(serializers.Serializer[Any]):
    leader = RowIdField(queryset=get_user_model().objects.filter(is_active=True), allow_null=True,
                        help_text="A member of the team, or a supervisor; null: none.")  # fmt: skip
    backup_team = RowIdField(queryset=Team.objects.all(), allow_null=True, help_text="null: none.")


class TeamChangeSerializer(serializers.ModelSerializer[TeamChange]):
    actor_name = serializers.CharField(source="actor.username", read_only=True)
    summary = serializers.CharField(read_only=True, help_text="The change as a sentence.")
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = TeamChange
        fields = ["id", "at", "actor", "actor_name", "what", "summary", "before", "after"]
        read_only_fields = fields
