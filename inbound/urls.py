from django.urls import path

from . import views

app_name = "inbound"

urlpatterns = [
    path("inbound/faxes/", views.fax_inbox, name="fax-inbox"),
    path("inbound/faxes/<int:pk>/file/", views.fax_file, name="fax-file"),
    path("inbound/faxes/<int:pk>/pdf/", views.fax_pdf, name="fax-pdf"),
    path("inbound/failures/", views.failure_list, name="failure-list"),
    path("inbound/failures/<int:pk>/raw/", views.failure_raw, name="failure-raw"),
    path("inbound/failures/<int:pk>/retry/", views.failure_retry, name="failure-retry"),
    path("inbound/failures/<int:pk>/dismiss/", views.failure_dismiss, name="failure-dismiss"),
]
