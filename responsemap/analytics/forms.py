"""The dashboard's filters: the inbox's names and values (``triage.inbox``), so a bar
clicked opens the inbox with the same filters and that bar's value."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.analytics.queries import Filters
from responsemap.geo.models import AdminArea
from responsemap.triage.choices import Source, Status
from responsemap.triage.coding.framework import offer_codes

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


class DashboardForm(forms.Form):
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any"))] + Source.choices, required=False
    )
    type_code = forms.ChoiceField(label=_("Type"), choices=[], required=False)
    sector = forms.ChoiceField(label=_("Sector"), choices=[], required=False)
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=AdminArea.objects.none(), required=False, empty_label=_("Any")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + Status.choices, required=False
    )

    def __init__(self, *args: Any, project_id: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["area"].queryset = AdminArea.objects.filter(  # type: ignore[attr-defined]
            project_id=project_id
        ).order_by("level", "name")
        offer_codes(self, project_id, any_label=_("Any"))

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


def filters_of(data: dict[str, Any], today: date) -> Filters:
    """The figures' filters from a valid ``DashboardForm``'s cleaned data (``{}``: no
    parameters, the last ``DEFAULT_DAYS`` days): the one parsing of the dashboard, its
    chart downloads and the map."""
    until = data.get("until") or today
    since = data.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
    area = data.get("area")
    return Filters(
        since=since,
        until=until,
        source=data.get("source") or "",
        type_code=data.get("type_code") or "",
        sector=data.get("sector") or "",
        area=area.pk if area is not None else None,
        status=data.get("status") or "",
    )
