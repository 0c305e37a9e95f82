from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.imports.mapping import TARGETS, Mapping
from responsemap.imports.models import ImportJob
from responsemap.lib.timezones import zone_choices


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File to import"),
        help_text=_("CSV or Excel (.xlsx), up to 10 MB and 50,000 rows; column names in row 1."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.ms-excel"}
        ),
    )


class MappingForm(forms.Form):
    """One select per target field, listing the file's columns by header name."""

    date_order = forms.ChoiceField(
        label=_("Dates written with slashes, such as 03/04/2024, are"),
        choices=[("dmy", _("day first (3 April)")), ("mdy", _("month first (4 March)"))],
        widget=forms.RadioSelect,
        initial="dmy",
    )
    keep_phone = forms.BooleanField(
        label=_(
            "The people in this file agreed that their phone number is kept to follow up "
            "their feedback."
        ),
        required=False,
        help_text=_("Without this, phone numbers are not imported."),
    )

    fixed_date = forms.DateField(
        label=_("Date of every row without one"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Needed when no column holds the date, and used for rows whose date is empty. "
            "Records never silently get the date of the import."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("Times without a time zone are in"),
        required=False,
        help_text=_(
            "Kobo and ODK write the phone's local time for start, end and dates in Excel "
            "files. The project's time zone is suggested."
        ),
    )
    more_text = forms.MultipleChoiceField(
        label=_("Also add to the message text"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each ticked column is added after the message, with its name: a comment "
            "asked in a repeat group, an “other, please specify”."
        ),
    )

    def __init__(self, *args: Any, job: ImportJob, headers: Sequence[str], **kwargs: Any) -> None:
        """``headers``: the file's header names, as ``present()`` opened them (sealed)."""
        super().__init__(*args, **kwargs)
        self.job = job
        columns = [("", _("— not in the file —"))] + [
            (str(i), header or _("(column %(n)s, no name)") % {"n": i + 1})
            for i, header in enumerate(headers)
        ]
        current = Mapping.from_json(job.mapping)
        self.current = current
        cast(forms.MultipleChoiceField, self.fields["more_text"]).choices = columns[1:]
        self.fields["more_text"].initial = [str(i) for i in current.more_text]
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = zone_choices()
        self.fields["time_zone"].initial = current.time_zone or job.project.zone
        self.fields["fixed_date"].initial = current.fixed_date[:10] or None
        self.target_fields: list[str] = []
        for target in TARGETS:
            name = f"col_{target.name}"
            self.fields[name] = forms.ChoiceField(
                label=str(target.label),
                help_text=str(target.help),
                choices=columns,
                required=target.required,
                initial=str(current.columns[target.name]) if target.name in current.columns else "",
            )
            self.target_fields.append(name)
        self.fields["date_order"].initial = current.date_order
        self.fields["keep_phone"].initial = current.keep_phone
        self.order_fields(
            [
                *self.target_fields,
                "more_text",
                "date_order",
                "time_zone",
                "fixed_date",
                "keep_phone",
            ]
        )

    def target_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.target_fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        used: dict[str, str] = {}
        for target in TARGETS:
            value = data.get(f"col_{target.name}")
            if not value:
                continue
            if value in used:
                self.add_error(
                    f"col_{target.name}",
                    _("This column is already used for “%(other)s”.") % {"other": used[value]},
                )
            used[value] = str(target.label)
        if not data.get("col_received_at") and not data.get("fixed_date"):
            self.add_error(
                "fixed_date",
                _(
                    "No column holds the date: choose one above, or give the date of "
                    "every row here."
                ),
            )
        if data.get("col_phone") and not data.get("keep_phone"):
            self.add_error(
                "keep_phone",
                _(
                    "Confirm that the people agreed to their phone number being kept, or "
                    "set the phone number to “not in the file”."
                ),
            )
        return data

    def mapping(self) -> Mapping:
        data = self.cleaned_data
        columns = {t.name: int(data[f"col_{t.name}"]) for t in TARGETS if data.get(f"col_{t.name}")}
        fixed = data.get("fixed_date")
        return Mapping(
            columns=columns,
            date_order=data["date_order"],
            keep_phone=data["keep_phone"],
            time_zone=data["time_zone"],
            fixed_date=fixed.isoformat() if fixed else "",
            more_text=tuple(int(i) for i in data.get("more_text") or ()),
            recodes=self.current.recodes,
            sheets=self.current.sheets,
        )
