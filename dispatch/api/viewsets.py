"""What every viewset of the API shares."""

from rest_framework import viewsets
from rest_framework.views import APIView


class FormatSuffixTolerant(APIView):
    """DRF's router adds a ``.json`` twin of every route and hands its handler ``format=``; the
    format is read once in ``initial()`` (``self.format_kwarg``), so the handlers — list, detail
    and each ``@action`` — need not each take an argument they never use. Without this every
    ``@action``'s twin answered 500."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The very dict dispatch() passes on to the handler.
        self.kwargs.pop("format", None)


class GenericViewSet(FormatSuffixTolerant, viewsets.GenericViewSet):
    pass


class ViewSet(FormatSuffixTolerant, viewsets.ViewSet):
    pass
