"""ROOT_URLCONF for the benchmarks (PRONTO_URLCONF=benchmarks.bare_urls): the project's URLs plus
the bare baselines: the create endpoint (bench_calls_api) and the board (bench_board)."""

from django.urls import include, path

from benchmarks.bare.board import board_bare
from benchmarks.bare.views import PingCreateView

urlpatterns = [
    path("bare/pings/", PingCreateView.as_view(), name="bench-bare-pings"),
    path("bare/board/", board_bare, name="bench-bare-board"),
    path("", include("config.urls")),
]
