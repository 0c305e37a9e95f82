"""The manager's alert policy form: who is alerted, escalation, response-time targets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.triage.choices import FeedbackType, Urgency


class PolicyForm(forms.Form):
    alert_urgencies = forms.MultipleChoiceField(
        label=_("Alert on records of these urgencies (a rule's match always alerts)"),
        choices=[(Urgency.HIGH, Urgency.HIGH.label), (Urgency.CRITICAL, Urgency.CRITICAL.label)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    alert_roles = forms.MultipleChoiceField(
        label=_("Alert these roles"), widget=forms.CheckboxSelectMultiple
    )
    escalate_after_minutes = forms.IntegerField(
        label=_("Escalate when nobody acknowledged within (minutes)"), min_value=1, max_value=10080
    )
    escalation_roles = forms.MultipleChoiceField(
        label=_("Escalate to these roles"), widget=forms.CheckboxSelectMultiple
    )
    default_target_hours = forms.IntegerField(
        label=_("Answer within (hours), unless set for the type below"), min_value=1, max_value=8760
    )
    # The receipt with the reference code (triage.status_lookup.receipts).
    send_receipts = forms.BooleanField(
        label=_("Send a receipt with the reference code to whoever texts the project"),
        help_text=_(
            "Never for a protection-sensitive record, an opted-out person or spam: a "
            "message on a shared phone could put someone in danger."
        ),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]],
        types: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        """``types``: the project's active types (its coding framework), in words."""
        super().__init__(*args, **kwargs)
        self.fields["alert_roles"].choices = roles  # type: ignore[attr-defined]
        self.fields["escalation_roles"].choices = roles  # type: ignore[attr-defined]
        for code, label in types:
            if code != FeedbackType.UNCODED:  # "not yet coded" has the default target
                self.fields[f"target_{code}"] = forms.IntegerField(
                    label=label, min_value=1, max_value=8760, required=False
                )

    def target_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("target_")]

    def targets(self) -> dict[str, int]:
        return {
            name.removeprefix("target_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("target_") and value
        }
