from django.urls import path

from .views import (
    CoverDecideView,
    CoverWithdrawView,
    OnCallNowView,
    OverrideView,
    RotaCoversView,
    RotaDetailView,
    RotaListView,
    RotaSpansView,
    SwapView,
)

urlpatterns = [
    path("oncall/now/", OnCallNowView.as_view(), name="oncall-now"),
    path("oncall/rotas/", RotaListView.as_view(), name="oncall-rotas"),
    path("oncall/rotas/<int:pk>/", RotaDetailView.as_view(), name="oncall-rota"),
    path("oncall/rotas/<int:pk>/spans/", RotaSpansView.as_view(), name="oncall-rota-spans"),
    path("oncall/rotas/<int:pk>/covers/", RotaCoversView.as_view(), name="oncall-rota-covers"),
    path("oncall/rotas/<int:pk>/overrides/", OverrideView.as_view(), name="oncall-rota-overrides"),
    path("oncall/rotas/<int:pk>/swaps/", SwapView.as_view(), name="oncall-rota-swaps"),
    path("oncall/covers/<int:pk>/decide/", CoverDecideView.as_view(), name="oncall-cover-decide"),
    path("oncall/covers/<int:pk>/withdraw/", CoverWithdrawView.as_view(), name="oncall-cover-withdraw"),
]
