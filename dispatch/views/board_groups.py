"""The board's major-incident rows (issue 19): the open interventions that belong to an incident
are listed under one row of that incident (its title, node, calls and interventions counted),
folded; the button on it unfolds them (incidents/static/incidents/incidents.js). The calls in
progress that belong to one say so. A page of the core reading the incidents app's selectors, as
views may read any app's (the exception is listed in pyproject's import contract)."""

from django.urls import reverse
from django.utils.html import escape
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.selectors.pages import BoardGroup, board_groups, call_incident_titles

_GROUP = (
    '<tr class="incident-group" id="board-incident-{pk}"><td colspan="9">'
    '<button type="button" class="link" data-incident-toggle="{pk}" aria-expanded="false">'
    '<span aria-hidden="true">⚠</span> {label}: <strong>{title}</strong></button> '
    '<span class="muted">{node}</span> · {counts}{eta} · <a href="{url}">{open_page}</a></td></tr>\n'
)


def _group_html(group: BoardGroup) -> str:
    counts = ", ".join(
        [
            ngettext("%(n)s call", "%(n)s calls", group.calls) % {"n": group.calls},
            ngettext("%(n)s intervention", "%(n)s interventions", group.interventions)
            % {"n": group.interventions},
        ]
    )
    eta = f" · {escape(_('ETA'))} {localtime(group.eta):%H:%M}" if group.eta else ""
    return _GROUP.format(
        pk=group.pk,
        label=escape(_("Major incident")),
        title=escape(group.title),
        node=escape(group.node),
        counts=escape(counts),
        eta=eta,
        url=escape(reverse("incidents:detail", args=[group.pk])),
        open_page=escape(_("incident page")),
    )


def grouped_rows_html(rows: list[tuple[int, str]]) -> str:
    """``rows``: each intervention's id and its row's HTML (``<tr ...>``), in the board's order.
    The rows of an incident's members move under the incident's row, placed where the first of
    them was, and are folded (``hidden``); every other row stays where it was."""
    of, groups = board_groups(intervention_ids=[pk for pk, _html in rows])
    if not of:
        return "".join(html for _pk, html in rows)
    members: dict[int, list[str]] = {}
    for pk, html in rows:
        if pk in of:
            attributes = f' data-incident-member="{of[pk]}" hidden'
            members.setdefault(of[pk], []).append(html.replace("<tr ", f"<tr{attributes} ", 1))
    out, shown = [], set()
    for pk, html in rows:
        incident = of.get(pk)
        if incident is None:
            out.append(html)
        elif incident not in shown:
            shown.add(incident)
            out.append(_group_html(groups[incident]) + "".join(members[incident]))
    return "".join(out)


def call_incidents(call_ids: list[int]) -> dict[int, str]:
    """The calls in progress that are attached to an incident: its title, by call id."""
    return call_incident_titles(call_ids=call_ids)
