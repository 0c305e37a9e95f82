"""The period of a role's dashboard or a printed report: dates only (any other filter
would be a breakdown)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.analytics.forms import DEFAULT_DAYS, MAX_DAYS


class PeriodForm(forms.Form):
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        until = data.get("until") or self.today
        since = data.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            self.add_error("since", _("The start date is after the end date."))
        elif (until - since).days >= MAX_DAYS:
            self.add_error(
                "since", _("Choose at most %(days)d days at a time.") % {"days": MAX_DAYS}
            )
        data["since"], data["until"] = since, until
        return data


def complete_months(today: date, months: int = 3) -> tuple[date, date]:
    """The last ``months`` complete calendar months: the default of pages whose
    figures are protected by month (a month just begun has only small counts)."""
    until = today.replace(day=1) - timedelta(days=1)
    since = until.replace(day=1)
    for _n in range(months - 1):
        since = (since - timedelta(days=1)).replace(day=1)
    return since, until


def period_of(
    params: Any, today: date, default: tuple[date, date] | None = None
) -> tuple[PeriodForm, date, date] | PeriodForm:
    """The form and its dates from a query (``default`` without one), or the bound
    form with its errors."""
    form = PeriodForm(params or None, today=today)
    if params and not form.is_valid():
        return form
    data = form.cleaned_data if params else {}
    if not params and default is not None:
        data = {"since": default[0], "until": default[1]}
    until = data.get("until") or today
    since = data.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
    if not params:
        form = PeriodForm(initial={"since": since, "until": until}, today=today)
    return form, since, until
