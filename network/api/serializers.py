"""The network's API shapes: a plant's node (its feeders, what it feeds, the reach of a fault
there), the write of a node, and the CSV import."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.api.fields import IdOrCodeField
from dispatch.models import Plant
from network.csv_import import SUPPLY_POINTS_MAX
from network.selectors import REACH_LIST_DEFAULT, REACH_LIST_MAX

# An offset past any real network, bounded so that the database driver never overflows.
REACH_OFFSET_MAX = 10_000_000


class PlantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class ChildSerializer(PlantRefSerializer):
    supply_points = serializers.IntegerField(help_text="Supply points the plant serves itself.")


class ReachNodeSerializer(PlantRefSerializer):
    depth = serializers.IntegerField(help_text="Steps below the fault (0: the plant itself).")
    supply_points = serializers.IntegerField()


class ReachLevelSerializer(serializers.Serializer):
    depth = serializers.IntegerField()
    nodes = serializers.IntegerField()
    supply_points = serializers.IntegerField()


class ReachSerializer(serializers.Serializer):
    nodes = serializers.IntegerField(help_text="How many nodes a fault here reaches, itself included.")
    total_supply_points = serializers.IntegerField(help_text="Supply points of all of them.")
    depth = serializers.IntegerField(help_text="The deepest level reached (0: nothing downstream).")
    levels = ReachLevelSerializer(many=True, help_text="Nodes and supply points per level.")
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    truncated = serializers.BooleanField(
        help_text="More nodes follow `listed`: ask again with `reach_offset` (the figures cover all)."
    )
    listed = ReachNodeSerializer(
        many=True,
        help_text=f"At most `reach_limit` nodes (default {REACH_LIST_DEFAULT}, at most {REACH_LIST_MAX}), "
        "by depth then code, from `reach_offset`.",
    )


class NetworkNodeSerializer(serializers.Serializer):
    plant = PlantRefSerializer()
    feeder = PlantRefSerializer(allow_null=True, help_text="The plant that feeds this one (null: a root).")
    supply_points = serializers.IntegerField(help_text="Supply points or people this node serves itself.")
    feeders = PlantRefSerializer(many=True, help_text="The chain upward, nearest first, to the root.")
    children = ChildSerializer(many=True, help_text="The plants this one feeds directly.")
    reach = ReachSerializer()


class ReachQuerySerializer(serializers.Serializer):
    reach_limit = serializers.IntegerField(
        min_value=0,
        max_value=REACH_LIST_MAX,
        default=REACH_LIST_DEFAULT,
        help_text="Nodes of the reach listed.",
    )
    reach_offset = serializers.IntegerField(min_value=0, max_value=REACH_OFFSET_MAX, default=0)


class NodeWriteSerializer(serializers.Serializer):
    feeder = IdOrCodeField(
        key="code",
        what=_("plant"),
        queryset=Plant.objects.all(),
        allow_null=True,
        help_text="The feeding plant's id or code; null: a root.",
    )
    supply_points = serializers.IntegerField(min_value=0, max_value=SUPPLY_POINTS_MAX)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, UTF-8: a header naming code, parent_code, supply_points, then one row per plant."
    )


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
