"""The numbers a numbered pager shows (``includes/pager.html``), from a ``Page``."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page

PAGER_WINDOW = 2


def pager(page: Page[Any]) -> dict[str, Any]:
    """The numbers a pager shows; never the ``Page``, which holds the model rows."""
    return {
        "number": page.number,
        "num_pages": page.paginator.num_pages,
        "count": page.paginator.count,
        "previous": page.previous_page_number() if page.has_previous() else None,
        "next": page.next_page_number() if page.has_next() else None,
        "pages": page_numbers(page.number, page.paginator.num_pages),
    }


def page_numbers(number: int, last: int) -> list[int | None]:
    """The first page, the last, and those within ``PAGER_WINDOW`` of the current one;
    ``None`` where numbers are skipped (an ellipsis; a gap of one page shows the page)."""
    shown = sorted({1, last, *range(number - PAGER_WINDOW, number + PAGER_WINDOW + 1)})
    pages: list[int | None] = []
    for n in (n for n in shown if 1 <= n <= last):
        if pages and pages[-1] is not None and n - pages[-1] == 2:
            pages.append(n - 1)
        elif pages and pages[-1] is not None and n - pages[-1] > 2:
            pages.append(None)
        pages.append(n)
    return pages
