from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.imports.mapping import TARGETS, Mapping
from responsemap.imports.models import ImportJob


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

    def __init__(self, *args: Any, job: ImportJob, headers: Sequence[str], **kwargs: Any) -> None:
        """``headers``: the file's header names, as ``present()`` opened them (sealed)."""
        super().__init__(*args, **kwargs)
        self.job = job
        columns = [("", _("— not in the file —"))] + [
            (str(i), header or _("(column %(n)s, no name)") % {"n": i + 1})
            for i, header in enumerate(headers)
        ]
        current = Mapping.from_json(job.mapping)
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
        self.order_fields([*self.target_fields, "date_order", "keep_phone"])

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
        return Mapping(
            columns=columns, date_order=data["date_order"], keep_phone=data["keep_phone"]
        )
