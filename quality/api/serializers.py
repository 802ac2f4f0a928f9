from rest_framework import serializers

URL_MAX_LENGTH = 2000


class RecordingFetchSerializer(serializers.Serializer[None]):
    """Where the phone system keeps a call's recording: Pronto fetches it (http or https)."""

    call_id = serializers.CharField(max_length=128)
    url = serializers.URLField(max_length=URL_MAX_LENGTH)


class RecordingReceivedSerializer(serializers.Serializer[None]):
    recording = serializers.IntegerField()
    call = serializers.IntegerField()
    sha256 = serializers.CharField()
    created = serializers.BooleanField()


class RecordingQueuedSerializer(serializers.Serializer[None]):
    call = serializers.IntegerField()
    queued = serializers.BooleanField()
