"""CSV and XLSX exports of a list, from one row source, with spreadsheet formulas neutralised."""

import csv
import re
import tempfile
from itertools import islice

from django.core.exceptions import FieldDoesNotExist
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from clientela.common.spreadsheets import FORMULA_STARTS, neutralise
from clientela.workspaces.scoping import iterate_in_workspace

from . import export_cells
from .display import value_display

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_CELL_MAX = 32_767  # characters Excel keeps in one cell
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FORMULA_FIRST = "".join(FORMULA_STARTS)  # every start is one character
FORMULA_AFTER_NEWLINE = re.compile(f"\n[{re.escape(FORMULA_FIRST)}]")


class _Echo:
    def write(self, value):
        return value


def export_columns(entity) -> list[str]:
    names = ["id", *[c for c in entity.list_columns if c != "updated_at"], *entity.detail_fields]
    return list(dict.fromkeys(names))


def _with_relations(entity, queryset, columns):
    """Load the exported foreign keys and many-to-many fields with the rows, not one query per cell."""
    single, many = [], []
    for name in columns:
        try:
            field = entity.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            many.append(name)
        elif field.many_to_one or field.one_to_one:
            single.append(name)
    return queryset.select_related(*single).prefetch_related(*many)


def instance_rows(entity, queryset, columns):
    """Cells from model instances: the reference path, for entities with unregistered computed columns."""
    for record in _with_relations(entity, queryset, columns).iterator(chunk_size=2000):
        yield [str(record.pk) if c == "id" else value_display(entity, record, c) for c in columns]


def neutralise_row(cells: list[str]) -> list[str]:
    """`neutralise` on every cell, with one control-character scan per row instead of one per cell."""
    if ILLEGAL_CHARACTERS_RE.search("".join(cells)):
        return [neutralise(c) for c in cells]
    return [f"'{c}" if c and c[0] in FORMULA_FIRST else c for c in cells]


def neutralise_column(texts: list[str]) -> list[str]:
    """`neutralise` on every text of a column, after one scan of the whole column: most columns of a chunk have no
    control character and no text starting like a formula, and come back as they are."""
    joined = "\n" + "\n".join(texts)
    if ILLEGAL_CHARACTERS_RE.search(joined) or FORMULA_AFTER_NEWLINE.search(joined):
        return [neutralise(text) for text in texts]
    return texts


def csv_rows(entity, queryset):
    """The header, then one row per record: the single row source of every export format."""
    columns = export_columns(entity)
    yield [neutralise(str(entity.field_label(c))) if c != "id" else "id" for c in columns]
    plan = export_cells.plan_for(entity, columns)
    if plan is None:
        for cells in instance_rows(entity, queryset, columns):
            yield neutralise_row(cells)
        return
    for texts in export_cells.column_chunks(plan, queryset):
        yield from map(list, zip(*map(neutralise_column, texts), strict=True))


def csv_write(entity, queryset, stream, progress=None, header: bool = True) -> int:
    """Write the CSV to a text stream (the background export), a chunk of rows at a time; returns the number of
    records. Without `header`, only the records' rows (a part of a parallel export)."""
    writer, count = csv.writer(stream), 0
    rows = csv_rows(entity, queryset)
    heading = next(rows)
    if header:
        writer.writerow(heading)
    while chunk := list(islice(rows, export_cells.CHUNK)):
        writer.writerows(chunk)
        count += len(chunk)
        if progress and len(chunk) == export_cells.CHUNK:
            progress(count)
    return count


def xlsx_write(entity, queryset, target, progress=None) -> int:
    """The CSV's rows as a workbook saved to `target` (a path or binary file); every cell is text,
    so nothing is ever evaluated as a formula. Write-only mode spools rows to disk: memory stays flat."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE_FORBIDDEN.sub(" ", str(entity.label_plural).capitalize())[:31])
    sheet.freeze_panes = "A2"
    rows = csv_rows(entity, queryset)
    bold = Font(bold=True)
    sheet.append([_header_cell(sheet, label, bold) for label in next(rows)])
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.append([value[:XLSX_CELL_MAX] for value in row])
        if progress and count % export_cells.CHUNK == 0:
            progress(count)
    workbook.save(target)
    return count


def export_filename(entity, extension: str) -> str:
    return f"{entity.key}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{extension}"


def _in_request_preferences(iterable):
    """A streamed body is written after the middleware reset the user's time zone: keep the request's
    time zone and language for the whole body, as the background export does."""
    zone, language = timezone.get_current_timezone(), translation.get_language()

    def generate():
        with timezone.override(zone), translation.override(language):
            yield from iterable

    return generate()


def csv_response(entity, queryset):
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in csv_rows(entity, queryset))
    response = StreamingHttpResponse(iterate_in_workspace(_in_request_preferences(rows)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(entity, "csv")}"'
    return response


def xlsx_response(entity, queryset):
    """The workbook, saved to a temporary file that the response streams (FileResponse closes it)."""
    spool = tempfile.TemporaryFile()
    xlsx_write(entity, queryset, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=export_filename(entity, "xlsx"),
                        content_type=XLSX_CONTENT_TYPE)


def _header_cell(sheet, label: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=label)
    cell.font = font
    return cell
