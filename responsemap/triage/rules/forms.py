"""The manager's rule form and the protection check's reason form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.forms import language_name
from responsemap.triage.rules.actions import REASON_MAX_LENGTH, REASON_MIN_LENGTH, RuleData
from responsemap.triage.rules.choices import RuleUrgency

# Keyword lists are offered in these languages and the project's own.
RULE_LANGUAGES = ["en", "fr", "es", "ar", "ht"]
MAX_KEYWORDS = 300


class LowerForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it need not be protected"),
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    type_codes = forms.MultipleChoiceField(
        label=_("Only records of these types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area_ids = forms.MultipleChoiceField(
        label=_("Only records from these areas"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat_count = forms.IntegerField(
        label=_("Same person sent at least this many messages"),
        min_value=2,
        max_value=1000,
        required=False,
    )
    repeat_hours = forms.IntegerField(
        label=_("Within this many hours"), min_value=1, max_value=720, required=False
    )
    sets_urgency = forms.ChoiceField(
        label=_("Set urgency to"), choices=RuleUrgency.choices, required=False
    )
    suggests_protection = forms.BooleanField(
        label=_(
            "Protection concern: hide the record from everyone but protection staff, to confirm"
        ),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        languages: list[str],
        areas: list[tuple[str, str]],
        types: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_ids"].choices = areas  # type: ignore[attr-defined]
        self.fields["type_codes"].choices = types  # type: ignore[attr-defined]
        self.languages = languages
        for lang in languages:
            self.fields[f"keywords_{lang}"] = forms.CharField(
                label=_("Words and phrases (%(lang)s), one a line") % {"lang": language_name(lang)},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
            )

    def keyword_fields(self) -> list[forms.BoundField]:
        return [self[f"keywords_{lang}"] for lang in self.languages]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        keywords = {
            lang: [
                w.strip() for w in (data.get(f"keywords_{lang}") or "").splitlines() if w.strip()
            ]
            for lang in self.languages
        }
        if sum(len(w) for w in keywords.values()) > MAX_KEYWORDS:
            raise forms.ValidationError(_("At most %(n)d words in all.") % {"n": MAX_KEYWORDS})
        if bool(data.get("repeat_count")) != bool(data.get("repeat_hours")):
            raise forms.ValidationError(
                _("Give both the number of messages and the hours, or neither.")
            )
        if not (
            any(keywords.values())
            or data.get("type_codes")
            or data.get("area_ids")
            or data.get("repeat_count")
        ):
            raise forms.ValidationError(
                _("Give at least one condition: words, types, areas or repeat senders.")
            )
        if not (data.get("sets_urgency") or data.get("suggests_protection")):
            raise forms.ValidationError(
                _(
                    "Say what a match does: set the urgency, or treat it as a protection "
                    "concern, or both."
                )
            )
        data["keywords"] = keywords
        return data

    def rule_data(self) -> RuleData:
        d = self.cleaned_data
        return RuleData(
            name=d["name"],
            keywords=d["keywords"],
            type_codes=d["type_codes"],
            area_ids=d["area_ids"],
            repeat_count=d.get("repeat_count"),
            repeat_hours=d.get("repeat_hours"),
            sets_urgency=d.get("sets_urgency") or "",
            suggests_protection=d["suggests_protection"],
            is_active=d["is_active"],
        )
