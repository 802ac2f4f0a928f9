"""Reads of the reports, permission-checked once here for the pages, the exports and the API: a
supervisor reads any customer's reports, a utility user its own customer's only, anyone else
none. A customer or a run outside that is not found (404), whether it exists or not."""

from django.db.models import QuerySet
from django.http import Http404

from dispatch.access import found_or_404, get_for_user, restrict
from dispatch.choices import Role
from dispatch.models import Customer, ServiceLevelReportRun, ServiceLevelSignOff
from dispatch.roles import has_role

# Who reads reports at all; which customers' reports is the access layer's answer.
REPORT_READERS = (Role.SUPERVISOR, Role.UTILITY)


def customer_list_for_reports(*, user) -> QuerySet[Customer]:
    """The customers whose reports this user may read: a supervisor all, a utility user its own."""
    if not has_role(user, *REPORT_READERS):
        return Customer.objects.none()
    return restrict(Customer.objects.order_by("name"), user)


def customer_get_for_reports(*, user, pk) -> Customer:
    """A customer whose reports this user may read; any other customer is not found (404),
    whether it exists or not."""
    if not has_role(user, *REPORT_READERS):
        raise Http404
    return get_for_user(Customer.objects.all(), user, pk)


def report_runs_for_user(*, user) -> QuerySet[ServiceLevelReportRun]:
    """Report runs this user may read, newest first: a supervisor all, a utility user its
    customer's, anyone else none."""
    runs = ServiceLevelReportRun.objects.select_related("customer", "requested_by").order_by("-created_at")
    return restrict(runs, user)


def report_run_get_for_user(*, user, pk) -> ServiceLevelReportRun:
    return found_or_404(report_runs_for_user(user=user), pk)


def sign_off_get_for_user(*, user, pk) -> ServiceLevelSignOff:
    """A signed-off report of a customer whose reports this user may read; else 404."""
    return get_for_user(ServiceLevelSignOff.objects.select_related("signed_by"), user, pk)
