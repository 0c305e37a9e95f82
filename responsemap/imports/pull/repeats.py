"""A page of pulled submissions as the tables of an export: the submissions, and one
table per repeat group, each row naming its submission — so the file import's own
sheet joining (``imports.sheets.combine``) reads them, one code path for both.

How they are read is the source's choice, kept in its mapping as ``sheets`` by name
(``{"base": "comments", "with": ["submission"]}``), as a file's saved mapping:

- **one record per submission** (the default; base ``submission``): every repeat's
  fields are added as ``repeat/field``, all the submission's answers one per line; a
  field named like a comment can be added to the message text.
- **one record per repeat row** (base: the repeat): each row keeps its answers and gets
  its submission's as ``submission/field``; its key is the submission's uuid, the
  repeat's name and the row's place (``uuid#comments#2``), as for a Kobo XLSX's repeat
  sheet, and it is linked to the submission's record (``imports.submissions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from responsemap.imports.mapping import text_columns
from responsemap.imports.pull.clients import PARENT_PLACE, PARENT_REPEAT, Submission
from responsemap.imports.reader import Table
from responsemap.imports.recodes import join_split_choices
from responsemap.imports.saved import table_of
from responsemap.imports.sheets import LINK_COLUMNS, ROW_KEY, combine

SUBMISSION = "submission"
# The key column of the submissions' table (never a field of the form).
KEY_COLUMN = "__uuid"
# How the tables are linked, as Kobo's XLSX export links its sheets.
PARENT_UUID = "_uuid"
CHILD_LINK = "_submission__uuid"
INDEX = "_index"
PARENT_INDEX = "_parent_index"
HIDDEN = {
    KEY_COLUMN,
    PARENT_UUID,
    CHILD_LINK,
    ROW_KEY,
    "_parent_key",
    INDEX,
    PARENT_REPEAT,
    PARENT_INDEX,
}


def repeat_names(submissions: Sequence[Submission]) -> list[str]:
    seen: dict[str, None] = {}
    for submission in submissions:
        seen.update(dict.fromkeys(submission.repeats))
    return list(seen)


def tables_of(submissions: Sequence[Submission], first_number: int = 1) -> list[Table]:
    """The submissions' table (``submission``), then one per repeat group. Each row has
    its place in its table (``_index``) and names its parent row as a Kobo XLSX does
    (``_parent_table_name``, ``_parent_index``): the submission, or for a repeat inside
    a repeat the outer repeat's row, so ``sheets.Lineage`` keys and links it."""
    main = table_of(
        [
            {**s.fields, PARENT_UUID: s.uuid, KEY_COLUMN: s.uuid, INDEX: str(n)}
            for n, s in enumerate(submissions, start=1)
        ],
        first_number,
    )
    main.name = SUBMISSION
    tables = [main]
    names = repeat_names(submissions)
    # Per submission, where its rows of each repeat start in that repeat's table.
    offsets: list[dict[str, int]] = []
    counts = dict.fromkeys(names, 0)
    for s in submissions:
        offsets.append(dict(counts))
        for name in names:
            counts[name] += len(s.repeats.get(name, []))
    for name in names:
        rows = []
        for n, s in enumerate(submissions):
            for place, row in enumerate(s.repeats.get(name, []), start=1):
                answers = {k: v for k, v in row.items() if k not in (PARENT_REPEAT, PARENT_PLACE)}
                parent = row.get(PARENT_REPEAT, "")
                if parent and parent in offsets[n]:
                    up = str(offsets[n][parent] + int(row.get(PARENT_PLACE) or 0))
                else:
                    parent, up = SUBMISSION, str(n + 1)
                rows.append(
                    {
                        **answers,
                        CHILD_LINK: s.uuid,
                        INDEX: str(offsets[n][name] + place),
                        PARENT_REPEAT: parent,
                        PARENT_INDEX: up,
                    }
                )
        table = table_of(rows, first_number) if rows else Table(headers=[CHILD_LINK])
        table.name = name
        tables.append(table)
    return tables


def is_per_row(sheets: Mapping[str, Any]) -> bool:
    base = sheets.get("base")
    return bool(base) and base != SUBMISSION


def chosen_table(tables: Sequence[Table], sheets: Mapping[str, Any]) -> Table:
    """The table the mapping reads, joined as ``sheets`` says (by name; by default the
    submissions with every repeat group joined in), split select-multiples joined."""
    names = [t.name for t in tables]
    base = str(sheets.get("base") or SUBMISSION)
    if base not in names:
        if is_per_row(sheets):
            return Table(headers=[ROW_KEY], name=base)  # no row of that repeat here
        base = SUBMISSION
    wanted = sheets.get("with")
    others = names if wanted is None else [str(n) for n in wanted]
    indexes = [names.index(n) for n in others if n in names and n != base]
    return join_split_choices(combine(tables, names.index(base), indexes))


def key_column(sheets: Mapping[str, Any]) -> str:
    return ROW_KEY if is_per_row(sheets) else KEY_COLUMN


def visible_headers(table: Table) -> list[str]:
    """The fields a person matches: not the linking columns."""
    return [
        h
        for h in table.headers
        if h not in HIDDEN and h.rsplit("/", 1)[-1].casefold() not in LINK_COLUMNS | HIDDEN
    ]


def shape_of(stored: object) -> dict[str, Any]:
    """What ``running.sample_fields`` kept (a list of paths before repeat groups)."""
    if isinstance(stored, list):
        return {"fields": [str(f) for f in stored], "repeats": {}, "values": {}}
    if not isinstance(stored, dict):
        return {"fields": [], "repeats": {}, "values": {}}
    return {
        "fields": [str(f) for f in stored.get("fields") or []],
        "repeats": {str(k): [str(f) for f in v] for k, v in (stored.get("repeats") or {}).items()},
        "values": dict(stored.get("values") or {}),
    }


def _empty_tables(shape: Mapping[str, Any]) -> list[Table]:
    tables = [Table(headers=[*shape["fields"], PARENT_UUID, KEY_COLUMN, INDEX], name=SUBMISSION)]
    for name, fields in shape["repeats"].items():
        links = [CHILD_LINK, INDEX, PARENT_REPEAT, PARENT_INDEX]
        tables.append(Table(headers=[*fields, *links], name=name))
    return tables


def headers_for(shape: Mapping[str, Any], sheets: Mapping[str, Any]) -> list[str]:
    """The fields to match when the form's tables are read as ``sheets`` says: the base
    table's by path, the others' as ``table/path`` (as a fetch's rows will have them)."""
    return visible_headers(chosen_table(_empty_tables(shape), sheets))


def values_table(
    shape: Mapping[str, Any], sheets: Mapping[str, Any], headers: Sequence[str]
) -> Table:
    """The sampled values of the chosen fields as a table (one value a row), for the
    recoding screen's ``choice_values``, as a file's rows are."""
    names = [SUBMISSION, *shape["repeats"]]
    base = str(sheets.get("base") or SUBMISSION)
    base = base if base in names else SUBMISSION
    values: Mapping[str, Mapping[str, list[str]]] = shape["values"]
    columns: list[list[str]] = []
    for header in headers:
        owner, _slash, name = header.partition("/")
        if owner in names and owner != base and name:
            columns.append(list(values.get(owner, {}).get(name, [])))
        else:
            columns.append(list(values.get(base, {}).get(header, [])))
    table = Table(headers=list(headers))
    for number in range(max((len(c) for c in columns), default=0)):
        table.rows.append((number + 1, [c[number] if number < len(c) else "" for c in columns]))
    return table


def comment_fields(shape: Mapping[str, Any], sheets: Mapping[str, Any]) -> list[str]:
    """The other tables' fields that look like comments (``comment``, ``feedback``…):
    suggested as "also add to the message text", as for a file's repeat sheet."""
    headers = headers_for(shape, sheets)
    base = str(sheets.get("base") or SUBMISSION)
    others = {name for name in [SUBMISSION, *shape["repeats"]] if name != base}
    joined = [h for h in headers if h.partition("/")[0] in others]
    own = [h for h in headers if h not in joined]
    return [joined[i - len(own)] for i in text_columns([*own, *joined], len(own))]
