"""Reading and checking a network CSV before anything is written (``network.services``
applies it).

The file: UTF-8 (a BOM is fine), comma- or semicolon-separated (what a spreadsheet in Italian
saves), a header naming ``code``, ``parent_code`` and ``supply_points`` in any order ("parent
code", "Supply points" read the same), then one row per plant: its code, the code of the plant
that feeds it (empty: a root), the supply points it serves itself (empty: 0). A parent may come
later in the file than the plants it feeds, or not be in it at all (an existing plant). Every
row is checked, and all that is wrong is told at once, by line number: an unknown code, a plant
twice, a plant feeding itself, points that are not a whole number, and rings, judged on the
network as it will be (the file's rows over the stored nodes it does not name).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dispatch.models import Plant

from .models import SupplyNode

IMPORT_MAX_BYTES = 8 * 1024 * 1024
IMPORT_MAX_ROWS = 200_000
# A PostgreSQL integer, and far beyond any real node.
SUPPLY_POINTS_MAX = 2_000_000_000
# Errors told at most (then "and N more"): a wrong file can have 100,000 bad lines.
ERRORS_SHOWN = 200
COLUMNS = ("code", "parent_code", "supply_points")
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class ImportRow:
    line: int
    code: str
    parent_code: str
    plant_id: int
    feeder_id: int | None
    supply_points: int


class _Errors:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.messages.append(
            _("Line %(line)s, %(column)s: %(message)s") % {"line": line, "column": column, "message": message}
        )

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        shown = self.messages[:ERRORS_SHOWN]
        if len(self.messages) > ERRORS_SHOWN:
            shown.append(_("… and %(count)s more.") % {"count": len(self.messages) - ERRORS_SHOWN})
        raise ValidationError({"file": shown})


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _text(content: bytes | str) -> str:
    raw = content.encode() if isinstance(content, str) else content
    if len(raw) > IMPORT_MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(size)s MB: split it.") % {"size": IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(_("The file is not UTF-8 text (byte %(at)s).") % {"at": exc.start}) from None


def _header(names: list[str]) -> dict[str, int]:
    normal = [name.strip().lower().replace(" ", "_").replace("-", "_") for name in names]
    missing = [column for column in COLUMNS if column not in normal]
    unknown = [names[i] for i, name in enumerate(normal) if name and name not in COLUMNS]
    if missing or unknown or len(set(normal)) != len(normal):
        raise _refuse(
            _("Line 1: the header must name the columns code, parent_code and supply_points, once each.")
        )
    return {column: normal.index(column) for column in COLUMNS}


def _plant_ids(codes: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        found.update(Plant.objects.filter(code__in=chunk).values_list("code", "id"))
    return found


def _points(value: str) -> int | None:
    value = value.strip()
    if not value:
        return 0
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= SUPPLY_POINTS_MAX else None


def import_rows_parse(content: bytes | str) -> list[ImportRow]:
    """The file's rows, each naming known plants; ``ValidationError`` on ``file`` (a message per
    bad line) when anything is wrong, rings included. Reads the plants and the stored network."""
    text = _text(content)
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        names = next(reader)
    except (StopIteration, csv.Error):
        raise _refuse(_("The file is empty: it needs a header (code, parent_code, supply_points).")) from None
    columns = _header(names)
    raw: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            raw.append((reader.line_num, cells))
            if len(raw) > IMPORT_MAX_ROWS:
                raise _refuse(_("More than %(rows)s rows: split the file.") % {"rows": IMPORT_MAX_ROWS})
    except csv.Error as exc:
        raise _refuse(_("Line %(line)s: %(error)s") % {"line": reader.line_num, "error": exc}) from None
    width = max(columns.values()) + 1
    codes = {cell.strip() for _line, cells in raw for cell in cells[:width]}
    plant_ids = _plant_ids({code for code in codes if code})
    errors = _Errors()
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for line, cells in raw:
        if len(cells) != len(names):
            errors.add(line, "code", _("%(found)s columns, the header has %(expected)s.")
                       % {"found": len(cells), "expected": len(names)})  # fmt: skip
            continue
        code, parent_code = cells[columns["code"]].strip(), cells[columns["parent_code"]].strip()
        points = _points(cells[columns["supply_points"]])
        bad = False
        if not code:
            errors.add(line, "code", _("The plant's code is missing."))
            bad = True
        elif code not in plant_ids:
            errors.add(line, "code", _("No plant has the code “%(code)s”.") % {"code": code})
            bad = True
        elif code in seen:
            errors.add(
                line, "code", _("%(code)s is already on line %(line)s.") % {"code": code, "line": seen[code]}
            )
            bad = True
        if parent_code and parent_code not in plant_ids:
            errors.add(line, "parent_code", _("No plant has the code “%(code)s”.") % {"code": parent_code})
            bad = True
        elif parent_code and parent_code == code:
            errors.add(line, "parent_code", _("A plant cannot feed itself."))
            bad = True
        if points is None:
            errors.add(
                line, "supply_points", _("A whole number from 0 to %(max)s.") % {"max": SUPPLY_POINTS_MAX}
            )
            bad = True
        if code and code not in seen:
            seen[code] = line
        if not bad and points is not None:
            rows.append(ImportRow(line, code, parent_code, plant_ids[code],
                                  plant_ids[parent_code] if parent_code else None, points))  # fmt: skip
    errors.raise_if_any()
    _rings_check(rows, errors)
    errors.raise_if_any()
    return rows


def _rings_check(rows: list[ImportRow], errors: _Errors) -> None:
    """Tell each ring the file would close, on the line of its first row in the file: the
    network as it will be is the stored feeders overridden by the file's."""
    feeder_of: dict[int, int | None] = dict(SupplyNode.objects.values_list("plant_id", "feeder_id"))
    by_plant = {row.plant_id: row for row in rows}
    for row in rows:
        feeder_of[row.plant_id] = row.feeder_id
    done: set[int] = set()
    for row in rows:
        path: list[int] = []
        on_path: set[int] = set()
        current: int | None = row.plant_id
        while current is not None and current not in done:
            if current in on_path:
                ring = path[path.index(current) :]
                first = min((by_plant[p] for p in ring if p in by_plant), key=lambda r: r.line)
                code_of = dict(Plant.objects.filter(pk__in=ring).values_list("id", "code"))
                names = [code_of[p] for p in [*ring, ring[0]]]
                errors.add(first.line, "parent_code", _("A ring, each fed by the next: %(ring)s.")
                           % {"ring": " → ".join(names)})  # fmt: skip
                break
            path.append(current)
            on_path.add(current)
            current = feeder_of.get(current)
        done.update(path)
