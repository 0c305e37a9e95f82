"""The sheets and recoding screens' forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from responsemap.imports.feedback_rows import CODE_LISTS
from responsemap.imports.mapping import TARGETS
from responsemap.imports.recodes import LANGUAGE_WORDS
from responsemap.imports.sheets import SheetInfo
from responsemap.projects.models import Project
from responsemap.triage.coding.framework import load_framework

LABELS = {t.name: t.label for t in TARGETS}


class SheetsForm(forms.Form):
    base = forms.TypedChoiceField(
        label=_("One record for each row of"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_(
            "The submissions sheet: one record per submission. A repeat group's sheet: "
            "one record per answer of the group, with its submission's date and place."
        ),
    )
    others = forms.TypedMultipleChoiceField(
        label=_("Also read these sheets"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A repeat group's answers are added to their submission's row (each column "
            "as “sheet/column”, all the answers one per line); a submission's answers "
            "are added to each of its repeat rows."
        ),
    )

    def __init__(self, *args: Any, sheets: Sequence[SheetInfo], current: dict[str, Any], **kw: Any):
        super().__init__(*args, **kw)
        names = [(s.index, s.name or str(s.index + 1)) for s in sheets]
        cast(forms.ChoiceField, self.fields["base"]).choices = names
        cast(forms.ChoiceField, self.fields["others"]).choices = names
        self.fields["base"].initial = current.get("base", 0)
        self.fields["others"].initial = current.get("with", [])
        self.sheets = list(sheets)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["others"] = [i for i in data.get("others") or [] if i != data.get("base")]
        return data


def code_choices(project: Project, target: str) -> list[tuple[str, str]]:
    """What a value may be recoded to: the project's codes for the target."""
    if target in ("type_code", "sector"):
        framework = load_framework(project.pk)
        return framework.choices(target)
    if target == "language":
        codes = list(
            dict.fromkeys(
                [*project.languages, *(c for c, _n in settings.LANGUAGES), *LANGUAGE_WORDS.values()]
            )
        )
        return [(c, _language_name(c)) for c in codes]
    return [(str(c), str(label)) for c, label in CODE_LISTS[target].choices]


def _language_name(code: str) -> str:
    try:
        info = get_language_info(code)
    except KeyError:
        return code
    return f"{info['name_translated']} ({code})"


@dataclass
class RecodeRow:
    target: str
    value: str
    field: str
    unfit: bool


class RecodeForm(forms.Form):
    """One select per (target, value): the project's code, or "leave empty"."""

    def __init__(
        self,
        *args: Any,
        project: Project,
        values: dict[str, list[str]],
        suggested: dict[str, dict[str, str | None]],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.rows: list[RecodeRow] = []
        self.values = values
        for target, found in values.items():
            choices = [("", _("— leave empty —")), *code_choices(project, target)]
            for n, value in enumerate(found):
                name = f"r_{target}_{n}"
                code = suggested.get(target, {}).get(value)
                valid = {c for c, _l in choices}
                self.fields[name] = forms.ChoiceField(
                    label=value, choices=choices, required=False,
                    initial=code if code in valid else "",
                )  # fmt: skip
                self.rows.append(RecodeRow(target, value, name, code is None or code not in valid))

    def groups(self) -> list[tuple[str, list[tuple[RecodeRow, forms.BoundField]]]]:
        out: dict[str, list[tuple[RecodeRow, forms.BoundField]]] = {}
        for row in self.rows:
            out.setdefault(row.target, []).append((row, self[row.field]))
        return [(str(LABELS.get(t, t)), rows) for t, rows in out.items()]

    def recodes(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        found: dict[str, dict[str, str]] = {}
        for row in self.rows:
            found.setdefault(row.target, {})[row.value] = str(data.get(row.field) or "")
        return found


class XLSFormUpload(forms.Form):
    xlsform = forms.FileField(
        label=_("The form's XLSForm (optional)"),
        help_text=_(
            "The .xlsx the form was built from: its choice labels, in every language, "
            "fill in the codes below. It is read, not kept."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
