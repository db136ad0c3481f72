"""Reading uploaded CSV files: their text, then their rows by column name.

Shared by every CSV import. Files are UTF-8 (a byte-order mark is fine), comma, semicolon or
tab separated (whichever the first line has most of), with a header row naming the columns
in any order and any case, with spaces or dashes for underscores; unknown columns are
ignored. Blank rows are skipped; the others are numbered as a spreadsheet numbers them (the
header is row 1). Problems with the file as a whole raise ValidationFailed naming the field
"file" (ImportTooLarge, a 413, over a size or row limit); problems of single rows are
collected for the caller to report with its own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ecosystem.errors import ValidationFailed

DELIMITERS = (",", ";", "\t")


class ImportTooLarge(ValidationFailed):
    """An upload over the size or row limit (413)."""

    status_code = 413


@dataclass
class ParsedCsv:
    columns: list[str]  # the known columns the header names, in the order they are known
    rows: list[tuple[int, dict[str, str]]]  # (row number, {column: cell})
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row", "field", "message"}


def read_csv_text(uploaded_file, *, max_bytes: int) -> str:
    """The upload's text: at most `max_bytes` (ImportTooLarge beyond), UTF-8 with or without
    a byte-order mark."""
    if uploaded_file is None:
        raise ValidationFailed(_("Choose a CSV file to upload."), field="file")
    size = getattr(uploaded_file, "size", None)
    too_large = ImportTooLarge(
        _("The file is %(size)s; upload at most %(limit)s (split it into several files).")
        % {"size": filesizeformat(size or 0), "limit": filesizeformat(max_bytes)},
        field="file",
    )
    if size is not None and size > max_bytes:
        raise too_large
    uploaded_file.seek(0)
    content = uploaded_file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            _(
                "The file is not UTF-8 text. Save it as “CSV UTF-8” (in Excel: Save as → "
                "CSV UTF-8) and upload it again."
            ),
            field="file",
        ) from error
    if "\x00" in text:
        raise ValidationFailed(_("This is not a CSV file; upload a CSV file."), field="file")
    return text


def parse_csv_rows(
    text: str,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    max_rows: int,
    unique: Literal["all", "known"] | None = None,
    extra_cells_are_errors: bool = False,
    too_many_rows: str | None = None,
    missing_columns: str | None = None,
    no_rows: str | None = None,
) -> ParsedCsv:
    """The header checked and the rows read: file-level problems raise, row-level ones are
    collected in `errors`.

    columns: the known column names (others are ignored).
    required: the columns the header must name; `missing_columns` is the message
        (%(columns)s) before the list of every known column.
    max_rows: more rows than this raise ImportTooLarge with `too_many_rows` (%(limit)s).
    unique: which header names may appear only once: "all" of them (checked before the
        required columns), the "known" ones (checked after), or None (the last one counts).
    extra_cells_are_errors: a row with non-empty cells beyond the header is a row error.
    no_rows: if given, a header without any row raises ValidationFailed with this message.
    """
    known = list(columns)
    missing_columns = missing_columns or _(
        "The file has no %(columns)s column; add it to the first row."
    )
    too_many_rows = too_many_rows or _(
        "The file has more than %(limit)s rows; split it into several files."
    )
    expected = _("The first row must name the columns: %(columns)s.") % {
        "columns": ", ".join(known)
    }
    if not text.strip():
        raise ValidationFailed(_("The file is empty.") + " " + expected, field="file")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[dict[str, Any]] = []
    try:
        header = [_header_name(cell) for cell in next(reader)]
        if unique == "all":
            _refuse_duplicates([name for name in header if name])
        missing = [name for name in required if name not in header]
        if missing:
            raise ValidationFailed(
                missing_columns % {"columns": ", ".join(missing)} + " " + expected,
                field="file",
            )
        if unique == "known":
            _refuse_duplicates([name for name in header if name in known])
        positions = {name: index for index, name in enumerate(header) if name in known}
        for number, cells in enumerate(reader, start=2):
            if not any(_text(cell) for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise ImportTooLarge(
                    too_many_rows % {"limit": f"{max_rows:,}"},
                    field="file",
                )
            beyond_header = cells[len(header) :]
            if extra_cells_are_errors and any(_text(cell) for cell in beyond_header):
                errors.append(
                    {
                        "row": number,
                        "field": "",
                        "message": _("The row has more cells than the header has columns."),
                    }
                )
            rows.append(
                (
                    number,
                    {
                        name: cells[index] if index < len(cells) else ""
                        for name, index in positions.items()
                    },
                )
            )
    except csv.Error as error:
        raise ValidationFailed(
            _("The file is not valid CSV near row %(row)d (%(problem)s).")
            % {"row": reader.line_num, "problem": str(error)[:200]},
            field="file",
        ) from error
    if no_rows is not None and not rows:
        raise ValidationFailed(no_rows, field="file")
    return ParsedCsv(
        columns=[name for name in known if name in positions], rows=rows, errors=errors
    )


def _text(cell: str) -> str:
    # PostgreSQL refuses NUL characters in text.
    return cell.replace("\x00", "").strip()


def _header_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", _text(cell).lower())


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _refuse_duplicates(names: list[str]) -> None:
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValidationFailed(
            _("These columns appear more than once: %(columns)s.")
            % {"columns": ", ".join(duplicated)},
            field="file",
        )
