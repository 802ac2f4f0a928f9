"""The setup pages: the routing rule editor and its versions, and the catalogue."""

from django.urls import path

from . import setup, setup_catalogue

urlpatterns = [
    path("routing/rules/", setup.rule_list, name="rule-list"),
    path("routing/rules/new/", setup.rule_edit, name="rule-new"),
    path("routing/rules/<int:position>/", setup.rule_edit, name="rule-edit"),
    path("routing/rules/<int:position>/remove/", setup.rule_remove, name="rule-remove"),
    path("routing/rules/<int:position>/move/", setup.rule_move, name="rule-move"),
    path("routing/rules/versions/", setup.version_list, name="rule-versions"),
    path("routing/rules/versions/<int:pk>/", setup.version_detail, name="rule-version"),
    path("routing/rules/versions/<int:pk>/restore/", setup.version_restore, name="rule-version-restore"),
    path("routing/setup/", setup_catalogue.setup_index, name="setup"),
    path("routing/setup/<slug:kind>/", setup_catalogue.setup_list, name="setup-list"),
    path("routing/setup/<slug:kind>/new/", setup_catalogue.setup_edit, name="setup-new"),
    path("routing/setup/<slug:kind>/<int:pk>/", setup_catalogue.setup_edit, name="setup-edit"),
    path("routing/setup/<slug:kind>/<int:pk>/delete/", setup_catalogue.setup_delete, name="setup-delete"),
]
