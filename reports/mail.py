"""The monthly report email: its subject and text (the share within each standard and the
verdict, in the customer's language, the site's) and its PDF, drawn from the run's kept figures.
``notifications`` sends it as it sends anything: it knows nothing of reports."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from dispatch.models import ServiceLevelReportRun
from notifications.backends.base import Attachment
from reports.pdf import report_run_pdf


def report_email_render(*, run: ServiceLevelReportRun) -> tuple[str, str]:
    """Subject and text of the monthly report email."""
    data = run.figures
    if data is None:
        raise ValueError(f"report run {run.pk} has no figures yet: it is emailed once it has finished")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Service levels %(month)s: %(customer)s") % {
            "month": run.date_from.strftime("%m/%Y"), "customer": data["customer_name"],
        }  # fmt: skip
        lines = [
            _("Calls received from %(start)s to %(end)s (%(tz)s).")
            % {"start": data["start"], "end": data["end"], "tz": data["time_zone"]},
            "",
        ]
        for profile in data["profiles"]:
            rules, total = profile["rules"], profile["total"]
            lines.append(f"{rules['name']}: " + _("%(n)s calls counted") % {"n": total["calls"]})
            standards = (
                ("answer", rules["answer_target_seconds"], "s"),
                ("arrival", rules["arrival_target_minutes"], "min"),
            )
            for kind, target, unit in standards:
                share = total[f"{kind}_share"]
                if target is None or share is None:
                    continue
                verdict = _("met") if profile[f"{kind}_meets"] else _("not met")
                lines.append(
                    f"  {_('answer') if kind == 'answer' else _('arrival')} ≤ {target} {unit}: {share}% "
                    f"(≥ {rules[f'{kind}_min_percent']}%: {verdict})"
                )
        lines += ["", _("The PDF attached holds the figures, the calls that missed and the rules used.")]
        lines.append(_("Figures SHA-256: %(digest)s") % {"digest": run.figures_sha256})
    return subject, "\n".join(lines)


def report_email_file(*, run: ServiceLevelReportRun) -> Attachment:
    """The run's PDF as the email carries it."""
    filename = f"service-levels-{run.customer.code}-{run.date_from:%Y-%m}.pdf"
    return Attachment(filename, "application/pdf", report_run_pdf(run))


def report_run_attachment_load(item: dict) -> Attachment | None:
    """An email queued before the outbox kept its files names the run (``{"report_run": id}``);
    its PDF is drawn again from the run's kept figures, as it was then. Registered with
    ``notifications.files`` in ``ReportsConfig.ready()``."""
    run = ServiceLevelReportRun.objects.select_related("customer").filter(pk=item["report_run"]).first()
    if run is None or run.figures is None:
        return None
    return Attachment(item["filename"], "application/pdf", report_run_pdf(run))
