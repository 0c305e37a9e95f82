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

**Nested repeats** (a repeat inside a repeat: members of each household): Kobo's sheet
of the inner repeat names its parent *row* by ``_parent_table_name`` (the outer
repeat's sheet) and ``_parent_index`` (that sheet's ``_index``); ODK's ``PARENT_KEY``
is the outer row's own ``KEY`` (``uuid:…/households[1]``). ``Lineage`` follows those
chains up to the submission, so a row of any depth knows its submission (the link to
its record) and its key is its parent's key and its place among that parent's rows:
``uuid#households#2#members#1`` (ODK: its ``KEY``, the same path). A first-level
repeat's key is unchanged (``uuid#comments#2``). Sheets joined to a repeat row are its
ancestors' rows (the household's answers for each member), never a sibling's.
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


def _submission_columns(table: Table) -> tuple[int | None, int | None]:
    """The columns that name a row's submission: its uuid, else an ODK key."""
    return (
        _col(table, "_submission__uuid", "_uuid", "meta/instanceID", "instanceID"),
        _col(table, "PARENT_KEY", "KEY"),
    )


def _submission_of(
    table: Table, cells: list[Cell], columns: tuple[int | None, int | None] | None = None
) -> str:
    """The uuid of the submission a row belongs to ("" if none is named)."""
    uuid, key = columns or _submission_columns(table)
    if uuid is not None and _text(cells[uuid]):
        return _text(cells[uuid])
    if key is not None:
        return _text(cells[key]).split("/", 1)[0]
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


Row = tuple[int, int]  # (table's place in the export, row's place in the table)


class Lineage:
    """Every repeat row's parent row, across an export's tables, from Kobo's
    ``_parent_table_name`` + ``_parent_index`` → the parent sheet's ``_index``, or
    ODK's ``PARENT_KEY`` → the parent's ``KEY``; with each row's submission and key."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = tables
        self.parent: dict[Row, Row] = {}
        self._keys: dict[Row, str] = {}
        self._subs: dict[Row, str] = {}
        self._busy: set[int] = set()  # tables whose keys are being worked out
        self._columns = [_submission_columns(t) for t in tables]
        self.repeat = [is_repeat(t) for t in tables]
        by_key: dict[str, Row] = {}
        for t, table in enumerate(tables):
            key = _col(table, "KEY")
            if key is not None:
                for r, (_n, cells) in enumerate(table.rows):
                    if _text(cells[key]):
                        by_key.setdefault(_text(cells[key]), (t, r))
        for t, table in enumerate(tables):
            self._link(t, table, by_key)

    def _link(self, t: int, table: Table, by_key: dict[str, Row]) -> None:
        parent_key = _col(table, "PARENT_KEY")
        name, index = _col(table, "_parent_table_name"), _col(table, "_parent_index")
        indexes: dict[str, dict[str, int]] = {}
        for r, (_n, cells) in enumerate(table.rows):
            if parent_key is not None:
                found = by_key.get(_text(cells[parent_key]))
            elif name is not None and index is not None:
                p = self._table_named(_text(cells[name]), t)
                if p is None:
                    continue
                if str(p) not in indexes:
                    indexes[str(p)] = self._index_of(self.tables[p])
                place = indexes[str(p)].get(_text(cells[index]))
                found = (p, place) if place is not None else None
            else:
                return
            if found is not None and found[0] != t:
                self.parent[(t, r)] = found

    def _table_named(self, name: str, own: int) -> int | None:
        """The table of that name (an XLSX sheet's name is cut at 31 characters)."""
        for i, table in enumerate(self.tables):
            if i != own and name and table.name in (name, name[:31]):
                return i
        return None

    @staticmethod
    def _index_of(table: Table) -> dict[str, int]:
        column = _col(table, "_index")
        if column is None:
            return {}
        return {_text(cells[column]): r for r, (_n, cells) in enumerate(table.rows)}

    def chain(self, row: Row) -> list[Row]:
        """The row's ancestors, nearest first. Each climbs to another table, so a chain
        that comes back to a table (a loop, or a broken file's chain through its rows)
        ends there: never longer than the tables."""
        found: list[Row] = []
        tables = {row[0]}
        at = self.parent.get(row)
        while at is not None and at[0] not in tables:
            found.append(at)
            tables.add(at[0])
            at = self.parent.get(at)
        return found

    def submission(self, row: Row) -> str:
        """The uuid of the row's submission ("" if none is named)."""
        if row not in self._subs:
            top = ([row, *self.chain(row)])[-1]
            own = self._submission_of(row)
            self._subs[row] = (self._submission_of(top) if top != row else "") or own
        return self._subs[row]

    def _submission_of(self, row: Row) -> str:
        t, r = row
        return _submission_of(self.tables[t], self.tables[t].rows[r][1], self._columns[t])

    def keys(self, t: int) -> list[str]:
        """Each row's key in table ``t``: its own ``KEY`` (ODK), else its parent's key,
        the table's name and its place among that parent's rows; a row whose parent is
        not found counts among its submission's rows (as before nested repeats)."""
        table = self.tables[t]
        own_key = _col(table, "KEY")
        seen: dict[str, int] = defaultdict(int)
        found: list[str] = []
        for r, (_n, cells) in enumerate(table.rows):
            if own_key is not None and _text(cells[own_key]):
                key = _text(cells[own_key])
            else:
                parent = self.parent.get((t, r))
                above = self.key(parent) if parent is not None else self.submission((t, r))
                if above:
                    seen[above] += 1
                    key = f"{above}#{table.name}#{seen[above]}"
                else:
                    key = ""
            found.append(key)
        return found

    def key(self, row: Row) -> str:
        """A row's key: a submission's uuid for a submissions sheet's row."""
        if row not in self._keys:
            t = row[0]
            if not self.repeat[t]:
                self._keys[row] = self._submission_of(row)
            elif t in self._busy:
                return ""  # a loop in a broken file: no key through it
            else:
                self._busy.add(t)
                try:
                    for i, key in enumerate(self.keys(t)):
                        self._keys[(t, i)] = key
                finally:
                    self._busy.discard(t)
        return self._keys.get(row, "")


def combine(tables: Sequence[Table], base: int, others: Sequence[int]) -> Table:
    """The base sheet's rows with the chosen other sheets' columns joined in."""
    main = tables[base]
    chosen = [i for i in others if i != base and 0 <= i < len(tables)]
    if not chosen and not is_repeat(main):
        return main
    lineage = Lineage(tables)
    if is_repeat(main):
        return _repeat_rows(lineage, base, chosen)
    return _submissions(lineage, base, chosen)


def _submissions(lineage: Lineage, base: int, others: list[int]) -> Table:
    main = lineage.tables[base]
    headers = list(main.headers)
    joined: list[tuple[list[int], dict[str, list[list[Cell]]], tuple[int, int]]] = []
    for c in others:
        child = lineage.tables[c]
        links = _parent_links(child, main)
        if links is None:
            continue
        by_parent: dict[str, list[list[Cell]]] = defaultdict(list)
        for r, (_number, cells) in enumerate(child.rows):
            # A nested repeat's row belongs to the submission its chain leads to.
            chain = lineage.chain((c, r))
            if chain and chain[-1][0] == base:
                top = chain[-1]
                value = _text(main.rows[top[1]][1][links[1]])
            else:
                value = _link_value(child, links[0], cells)
            by_parent[value].append(cells)
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


def _repeat_rows(lineage: Lineage, b: int, others: list[int]) -> Table:
    base = lineage.tables[b]
    chains = [lineage.chain((b, r)) for r in range(len(base.rows))]
    headers = [ROW_KEY, PARENT_KEY, *base.headers]
    joined: list[tuple[int, list[int], dict[str, list[Cell]], int | None]] = []
    for p in others:
        parent = lineage.tables[p]
        links = _parent_links(base, parent)
        ancestor = any(up == p for chain in chains for up, _r in chain)
        if links is None and not ancestor:
            continue
        if not is_repeat(parent):  # a submissions sheet: its rows by their uuid
            columns_of = _submission_columns(parent)
            by_key = {_submission_of(parent, c, columns_of): c for _n, c in parent.rows}
        elif links is not None:
            by_key = {_text(cells[links[1]]): cells for _n, cells in parent.rows}
        else:
            by_key = {}
        columns = _answer_columns(parent)
        headers += [f"{parent.name}/{parent.headers[i]}" for i in columns]
        joined.append((p, columns, by_key, links[0] if links else None))
    keys = lineage.keys(b)
    out = Table(
        headers=headers,
        hxl=["", "", *base.hxl] if base.hxl else [],
        name=base.name,
        own_columns=len(base.headers) + 2,
    )
    for r, (number, cells) in enumerate(base.rows):
        submission = lineage.submission((b, r))
        row: list[Cell] = [keys[r], submission, *cells]
        for p, columns, by_key, child_column in joined:
            row += [
                v if v is not None else ""
                for v in _joined(
                    lineage, p, columns, by_key, child_column, chains[r], cells, submission, base
                )
            ]
        out.rows.append((number, row))
    return out


def _joined(
    lineage: Lineage,
    p: int,
    columns: list[int],
    by_key: dict[str, list[Cell]],
    child_column: int | None,
    chain: list[Row],
    cells: list[Cell],
    submission: str,
    base: Table,
) -> list[Cell | None]:
    """A base row's cells of table ``p``: an ancestor's row by the chain (the household
    of this member, the submission of a comment), else the submissions sheet's row of
    its submission; with no chain (a file without ``_parent_table_name``), the row its
    link names, as before nested repeats. A sibling repeat's row is never joined."""
    parent = lineage.tables[p]
    found: list[Cell] | None = None
    up = next((a for a in chain if a[0] == p), None)
    if up is not None:
        found = parent.rows[up[1]][1]
    elif not lineage.repeat[p]:
        found = by_key.get(submission)
    elif not chain and child_column is not None:
        found = by_key.get(_link_value(base, child_column, cells))
    return [found[i] if found else None for i in columns]


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
