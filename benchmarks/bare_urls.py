"""ROOT_URLCONF for the benchmark (PRONTO_URLCONF=benchmarks.bare_urls): the project's URLs plus
the bare create endpoint."""

from django.urls import include, path

from benchmarks.bare.views import PingCreateView

urlpatterns = [
    path("bare/pings/", PingCreateView.as_view(), name="bench-bare-pings"),
    path("", include("config.urls")),
]
