from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dispatch.views.accounts import SignOutView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Each app's API under /api/; dispatch's last, its router owns the API root.
    path("api/", include("telephony.api.urls")),
    path("api/", include("quality.api.urls")),
    path("api/", include("routing.api.urls")),
    path("api/", include("clocks.api.urls")),
    path("api/", include("shifts.api.urls")),
    path("api/", include("teams.api.urls")),
    path("api/", include("oncall.api.urls")),
    path("api/", include("escalations.api.urls")),
    path("api/", include("network.api.urls")),
    path("api/", include("incidents.api.urls")),
    path("api/", include("telecontrol.api.urls")),
    path("api/", include("notifications.api.urls")),
    path("api/", include("reports.api.urls")),
    path("api/", include("privacy.api.urls")),
    path("api/", include("feedback.api.urls")),
    path("api/", include("dispatch.api.urls")),
    # Load balancers and Prometheus: /healthz, /readyz, /metrics (docs/operations.md).
    path("", include("ops.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("", include("routing.urls")),
    path("", include("clocks.urls")),
    path("", include("shifts.urls")),
    path("", include("teams.urls")),
    path("", include("oncall.urls")),
    path("", include("escalations.urls")),
    path("", include("network.urls")),
    path("", include("reviews.urls")),
    path("", include("incidents.urls")),
    path("", include("reports.urls")),
    path("", include("privacy.urls")),
    path("", include("inbound.urls")),
    path("", include("feedback.urls")),
    path("", include("quality.urls")),
    path("", include("notifications.urls")),
    path("", include("dispatch.urls")),
]
# A path under /api/ that names no route answers in JSON, as every other API refusal does.
handler404 = "dispatch.api.exception_handlers.not_found"
# MEDIA_ROOT is never served as-is: plant documents go through a permission-checked view.
