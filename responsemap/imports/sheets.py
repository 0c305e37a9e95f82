"""Several sheets of one export read as one table: the submissions and their repeat
groups.

A KoboToolbox XLSX has the submissions in its first sheet and one sheet per repeat
group; each repeat row names its submission (``_submission__uuid``, the parent's
``_uuid``) and its parent row (``_parent_index`` → the parent sheet's ``_index``,
``_parent_table_name``). ODK (Central, Briefcase) names the parent by ``PARENT_KEY``
→ the parent's ``KEY``, and a repeat row's own ``KEY`` is ``uuid:…/group[2]``.

Two ways, as the person chooses on the sheets screen:

- **one record per submission** (the base is the submissions sheet): each chosen
  repeat sheet adds its columns as ``sheet/column``, holding the answers of all the
  submission's repeat rows, one per line. A comment asked in a repeat group can then
  be added to the record's text ("also add to the text") or be the text itself.
- **one record per repeat row** (the base is a repeat sheet): each row keeps its own
  answers and gets its submission's as ``sheet/column`` (its date, place, GPS). Its
  key is ``_row_key``: the submission's uuid, the sheet and the row's place among the
  submission's rows of that sheet (``uuid#sheet#2``) — stable from one export to the
  next, where Kobo's ``_index`` counts rows of the whole export. ``_parent_key``
  holds the submission's uuid: the link to the submission's own record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from responsemap.imports.reader import Cell, Table

ROW_KEY = "_row_key"
PARENT_KEY = "_parent_key"
# Columns that link rows, not answers: not carried into the other sheet.
LINK_COLUMNS = {
    "_index",
    "_parent_index",
    "_parent_table_name",
    "_submission__uuid",
    "_submission__id",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
    "parent_key",
    "key",
}


def _col(table: Table, *names: str) -> int | None:
    wanted = [n.casefold() for n in names]
    folded = [h.strip().casefold() for h in table.headers]
    for name in wanted:
        if name in folded:
            return folded.index(name)
    return None


def _text(cell: Cell) -> str:
    return cell.strip() if isinstance(cell, str) else str(cell)


def is_repeat(table: Table) -> bool:
    return _col(table, "_submission__uuid", "_parent_index", "PARENT_KEY") is not None


@dataclass(frozen=True)
class SheetInfo:
    index: int
    name: str
    columns: int
    rows: int | None
    repeat: bool


def describe_sheets(tables: Sequence[Table], counts: bool = True) -> list[SheetInfo]:
    return [
        SheetInfo(i, t.name, len(t.headers), len(t.rows) if counts else None, is_repeat(t))
        for i, t in enumerate(tables)
    ]


def _submission_of(table: Table, cells: list[Cell]) -> str:
    """The uuid of the submission a row belongs to ("" if none is named)."""
    column = _col(table, "_submission__uuid", "_uuid", "meta/instanceID", "instanceID")
    if column is not None and _text(cells[column]):
        return _text(cells[column])
    column = _col(table, "PARENT_KEY", "KEY")
    if column is not None:
        return _text(cells[column]).split("/", 1)[0]
    return ""


def _parent_links(child: Table, parent: Table) -> tuple[int, int] | None:
    """(child column, parent column) that link a child row to its parent row."""
    pairs = [
        ("_submission__uuid", "_uuid"),
        ("PARENT_KEY", "KEY"),
        ("_parent_index", "_index"),
    ]
    for child_name, parent_name in pairs:
        c, p = _col(child, child_name), _col(parent, parent_name)
        if c is not None and p is not None:
            return c, p
    return None


def _link_value(child: Table, column: int, cells: list[Cell]) -> str:
    value = _text(cells[column])
    if child.headers[column].strip().upper() == "PARENT_KEY":
        return value.split("/", 1)[0]  # a nested repeat: up to the submission
    return value


def _answer_columns(table: Table) -> list[int]:
    return [
        i
        for i, h in enumerate(table.headers)
        if h.strip()
        and h.strip().casefold() not in LINK_COLUMNS
        and not h.strip().upper().startswith("SET-OF-")
    ]


def combine(tables: Sequence[Table], base: int, others: Sequence[int]) -> Table:
    """The base sheet's rows with the chosen other sheets' columns joined in."""
    main = tables[base]
    chosen = [tables[i] for i in others if i != base and 0 <= i < len(tables)]
    if not chosen and not is_repeat(main):
        return main
    if is_repeat(main):
        return _repeat_rows(main, chosen)
    return _submissions(main, chosen)


def _submissions(main: Table, children: list[Table]) -> Table:
    headers = list(main.headers)
    joined: list[tuple[list[int], dict[str, list[list[Cell]]], tuple[int, int]]] = []
    for child in children:
        links = _parent_links(child, main)
        if links is None:
            continue
        by_parent: dict[str, list[list[Cell]]] = defaultdict(list)
        for _number, cells in child.rows:
            by_parent[_link_value(child, links[0], cells)].append(cells)
        columns = _answer_columns(child)
        headers += [f"{child.name}/{child.headers[i]}" for i in columns]
        joined.append((columns, by_parent, links))
    out = Table(headers=headers, hxl=list(main.hxl), name=main.name, own_columns=len(main.headers))
    for number, cells in main.rows:
        row = list(cells)
        for columns, by_parent, (_c, parent_column) in joined:
            found = by_parent.get(_text(cells[parent_column]), [])
            for i in columns:
                values = [_text(r[i]) for r in found if _text(r[i])]
                row.append("\n".join(values))
        out.rows.append((number, row))
    return out


def _repeat_rows(base: Table, parents: list[Table]) -> Table:
    headers = [ROW_KEY, PARENT_KEY, *base.headers]
    joined: list[tuple[list[int], dict[str, list[Cell]], int]] = []
    for parent in parents:
        links = _parent_links(base, parent)
        if links is None:
            continue
        by_key = {_text(cells[links[1]]): cells for _n, cells in parent.rows}
        columns = _answer_columns(parent)
        headers += [f"{parent.name}/{parent.headers[i]}" for i in columns]
        joined.append((columns, by_key, links[0]))
    own_key = _col(base, "KEY")
    seen: dict[str, int] = defaultdict(int)
    out = Table(
        headers=headers,
        hxl=["", "", *base.hxl] if base.hxl else [],
        name=base.name,
        own_columns=len(base.headers) + 2,
    )
    for number, cells in base.rows:
        submission = _submission_of(base, cells)
        if own_key is not None and _text(cells[own_key]):
            key = _text(cells[own_key])
        elif submission:
            seen[submission] += 1
            key = f"{submission}#{base.name}#{seen[submission]}"
        else:
            key = ""
        row: list[Cell] = [key, submission, *cells]
        for columns, by_key, child_column in joined:
            parent_cells = by_key.get(_link_value(base, child_column, cells))
            row += [parent_cells[i] if parent_cells else "" for i in columns]
        out.rows.append((number, row))
    return out


def chosen(tables: Sequence[Table], sheets: dict[str, object]) -> Table:
    """The table an import reads: its sheets combined as chosen (``{"base": i, "with":
    [j…], "joined": [q…]}``; none chosen: the first sheet), with the split
    select-multiple questions ``joined`` (decided once, when the headers were fixed,
    so the columns stay where the mapping points)."""
    from responsemap.imports.recodes import join_split_choices

    base = sheets.get("base", 0)
    others = sheets.get("with", [])
    joined = sheets.get("joined", [])
    joined = [str(j) for j in joined] if isinstance(joined, list) else []
    base_index = base if isinstance(base, int) and 0 <= base < len(tables) else 0
    other_indexes = [i for i in others if isinstance(i, int)] if isinstance(others, list) else []
    return join_split_choices(combine(tables, base_index, other_indexes), joined)


def shape_of(tables: Sequence[Table], sheets: dict[str, object]) -> tuple[Table, list[str]]:
    """The chosen table and its split questions, judged on the rows at hand."""
    from responsemap.imports.recodes import join_split_choices, split_groups

    table = chosen(tables, {**sheets, "joined": []})
    joined = split_groups(table)
    return join_split_choices(table, joined), joined
