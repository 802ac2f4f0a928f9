"""Reads of the reports, permission-checked once here for the pages, the exports and the API: a
supervisor reads any customer's reports, a utility user its own customer's only, anyone else
none. A customer or a run outside that is not found (404), whether it exists or not."""

from django.db.models import QuerySet
from django.http import Http404

from dispatch.choices import Role
from dispatch.models import Customer, ServiceLevelReportRun
from dispatch.roles import user_customer_id, user_roles


def customer_get_for_reports(*, user, pk) -> Customer:
    """A customer whose reports this user may read: a supervisor any, a utility user only its
    own; any other customer is not found (404), whether it exists or not."""
    roles = user_roles(user)
    customers = Customer.objects.all()
    if Role.SUPERVISOR not in roles:
        if Role.UTILITY not in roles or user_customer_id(user) is None:
            raise Http404
        customers = customers.filter(pk=user_customer_id(user))
    customer = customers.filter(pk=pk).first()
    if customer is None:
        raise Http404
    return customer


def report_runs_for_user(*, user) -> QuerySet[ServiceLevelReportRun]:
    """Report runs this user may read, newest first: a supervisor all, a utility user its
    customer's, anyone else none."""
    roles = user_roles(user)
    runs = ServiceLevelReportRun.objects.select_related("customer", "requested_by").order_by("-created_at")
    if Role.SUPERVISOR in roles:
        return runs
    if Role.UTILITY in roles and user_customer_id(user) is not None:
        return runs.filter(customer_id=user_customer_id(user))
    return runs.none()


def report_run_get_for_user(*, user, pk) -> ServiceLevelReportRun:
    run = report_runs_for_user(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run
