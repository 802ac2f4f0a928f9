from django.urls import path

from .views import CaseClocksView, CasePauseView, CaseResumeView, CaseTypeSetView, CaseTypesView, FiguresView

urlpatterns = [
    path("clocks/case-types/", CaseTypesView.as_view(), name="clocks-case-types"),
    path("clocks/figures/", FiguresView.as_view(), name="clocks-figures"),
    path("clocks/cases/<int:pk>/", CaseClocksView.as_view(), name="clocks-case"),
    path("clocks/cases/<int:pk>/type/", CaseTypeSetView.as_view(), name="clocks-case-type"),
    path("clocks/cases/<int:pk>/pause/", CasePauseView.as_view(), name="clocks-case-pause"),
    path("clocks/cases/<int:pk>/resume/", CaseResumeView.as_view(), name="clocks-case-resume"),
]
