"""ROOT_URLCONF for the benchmarks (PRONTO_URLCONF=benchmarks.bare_urls): the project's URLs plus
the bare baselines: the create endpoint (bench_calls_api), the board (bench_board) and the
signed APIView and its database floor (bench_route)."""

from django.urls import include, path

from benchmarks.bare.board import board_bare
from benchmarks.bare.views import PingCreateView, SignedFloorView, SignedPingView

urlpatterns = [
    path("bare/pings/", PingCreateView.as_view(), name="bench-bare-pings"),
    path("bare/signed/", SignedPingView.as_view(), name="bench-bare-signed"),
    path("bare/signed-floor/", SignedFloorView.as_view(), name="bench-bare-signed-floor"),
    path("bare/board/", board_bare, name="bench-bare-board"),
    path("", include("config.urls")),
]
