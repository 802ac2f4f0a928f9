"""Stock DRF: ModelSerializer + CreateAPIView, project-default authentication and permissions
(hashed expiring tokens or the session + IsAuthenticated), exactly like the real endpoint
minus its own permission class and service."""

from rest_framework import generics, serializers

from .models import Ping


class PingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ping
        fields = ["id", "name"]


class PingCreateView(generics.CreateAPIView):
    queryset = Ping.objects.all()
    serializer_class = PingSerializer
