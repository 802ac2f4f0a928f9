"""The report page's charts, drawn as inline SVG on the server (no script, readable by a screen
reader through their table twins)."""

from django.utils.translation import gettext as _

# Sizes in SVG user units.
CHART_WIDTH, CHART_HEIGHT = 640, 180


def share_chart(item) -> dict | None:
    """The share within each standard per group, as bars, with the required share as a line."""
    series = []
    if item.profile.answer_target_seconds is not None:
        series.append(("answer", _("answered in time"), float(item.profile.answer_min_percent)))
    if item.profile.arrival_target_minutes is not None:
        series.append(("arrival", _("arrived in time"), float(item.profile.arrival_min_percent)))
    if not item.groups or not series:
        return None
    slot = CHART_WIDTH / len(item.groups)
    bar = max(2.0, slot * 0.8 / len(series))
    bars = []
    for index, group in enumerate(item.groups):
        for offset, (kind, label, _minimum) in enumerate(series):
            share = getattr(group.figures, f"{kind}_share")
            if share is None:
                continue
            height = CHART_HEIGHT * share / 100
            bars.append(
                {
                    "x": round(index * slot + slot * 0.1 + offset * bar, 1),
                    "y": round(CHART_HEIGHT - height, 1),
                    "width": round(bar, 1), "height": round(height, 1), "kind": kind,
                    "title": f"{group.label}: {label} {share}%",
                }
            )  # fmt: skip
    lines = [
        {"kind": kind, "y": round(CHART_HEIGHT * (1 - minimum / 100), 1), "label": f"{label} ≥ {minimum:g}%"}
        for kind, label, minimum in series
    ]
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars, "lines": lines, "series": series}


def distribution_chart(title, labels: list[str], counts: list[int]) -> dict:
    top = max(counts) or 1
    rows = [
        {"label": label, "count": count, "width": round(400 * count / top, 1), "y": index * 22}
        for index, (label, count) in enumerate(zip(labels, counts, strict=True))
    ]
    return {"title": title, "rows": rows, "height": len(rows) * 22}
