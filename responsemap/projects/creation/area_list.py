"""A project's areas typed as a simple list, when it is created: one area a line, an
optional P-code after a bar, a parent by indentation or by "Parent > Child".

    Ouest | HT01
      Port-au-Prince | HT0111
      Léogâne
    Sud > Les Cayes | HT0711

Empty lines are skipped. A parent named on a "Parent > Child" line and not listed above
is made too. An area without a P-code gets one made from its place in the list
(``LIST-001``…), never one a boundary file would use. Areas made this way have no
outline: a message is placed in them by name, not by its point (boundaries import,
``geo.boundaries``, is the other way). Every mistake is named with its line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_LINES = 2000
NAME_MAX = 200
PCODE_MAX = 32
PCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
GENERATED = "LIST-{n:03d}"


@dataclass
class ListedArea:
    name: str
    pcode: str
    level: int  # 1 for the top of the list
    parent: int | None  # index in the list of its parent


class AreaListError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def parse_area_list(text: str) -> list[ListedArea]:
    """The areas of ``text``, each after its parent; ``AreaListError`` lists every
    problem found (with line numbers)."""
    areas: list[ListedArea] = []
    problems: list[str] = []
    by_path: dict[tuple[int | None, str], int] = {}  # (parent index, name) -> index
    pcodes: dict[str, int] = {}  # P-code (case-folded) -> line number
    stack: list[tuple[int, int]] = []  # (indentation, index) of the open parents
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise AreaListError([_("At most %(n)d lines.") % {"n": MAX_LINES}])
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        indent = _indent(line)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if indent and not stack:
            problems.append(
                _("Line %(line)d is indented but no area above it is its parent.")
                % {"line": number}
            )
            continue
        body, bar, code = line.strip().partition("|")
        code = code.strip()
        if bar and not PCODE.fullmatch(code):
            problems.append(
                _("Line %(line)d: the P-code after the bar must be letters and digits.")
                % {"line": number}
            )
            continue
        if len(code) > PCODE_MAX:
            problems.append(
                _("Line %(line)d: a P-code has at most %(n)d characters.")
                % {"line": number, "n": PCODE_MAX}
            )
            continue
        path = [" ".join(part.split()) for part in body.split(">")]
        if not all(path):
            problems.append(_("Line %(line)d: an area has no name.") % {"line": number})
            continue
        if any(len(part) > NAME_MAX for part in path):
            problems.append(
                _("Line %(line)d: a name has at most %(n)d characters.")
                % {"line": number, "n": NAME_MAX}
            )
            continue
        parent = stack[-1][1] if stack else None
        for depth, name in enumerate(path):
            last = depth == len(path) - 1
            found = by_path.get((parent, _key(name)))
            if found is not None and not last:
                parent = found  # a parent listed above
                continue
            if found is not None:
                problems.append(
                    _("Line %(line)d: %(name)s is listed twice under the same parent.")
                    % {"line": number, "name": name}
                )
                break
            level = 1 if parent is None else areas[parent].level + 1
            areas.append(
                ListedArea(name=name, pcode=code if last else "", level=level, parent=parent)
            )
            index = len(areas) - 1
            by_path[(parent, _key(name))] = index
            parent = index
        else:
            if code:
                seen = pcodes.get(code.casefold())
                if seen is not None:
                    problems.append(
                        _("Line %(line)d: P-code %(code)s is already on line %(first)d.")
                        % {"line": number, "code": code, "first": seen}
                    )
                pcodes[code.casefold()] = pcodes.get(code.casefold(), number)
            stack.append((indent, len(areas) - 1))
    if problems:
        raise AreaListError(problems)
    used = {a.pcode.casefold() for a in areas if a.pcode}
    n = 0
    for area in areas:
        while not area.pcode:
            n += 1
            candidate = GENERATED.format(n=n)
            if candidate.casefold() not in used:
                area.pcode = candidate
    return areas
