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
    # SMS to staff phones (alerts.sms): off by default, through one of the project's
    # channels that text.
    sms_enabled = forms.BooleanField(
        label=_("Also text alerts and escalations to staff phones (SMS)"),
        help_text=_(
            "Only to people who confirmed their number on their page 'Your phone for alerts' "
            "(behind their user name, at the top). The text "
            "names the record's reference and the project, never the message or who sent it."
        ),
        required=False,
    )
    sms_channel = forms.ChoiceField(label=_("Send them through"), required=False, choices=())

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]],
        types: list[tuple[str, str]],
        sms_channels: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``types``: the project's active types (its coding framework), in words;
        ``sms_channels``: its channels that can text staff phones."""
        super().__init__(*args, **kwargs)
        self.fields["sms_channel"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a channel")),
            *(sms_channels or []),
        ]
        self.fields["alert_roles"].choices = roles  # type: ignore[attr-defined]
        self.fields["escalation_roles"].choices = roles  # type: ignore[attr-defined]
        for code, label in types:
            if code != FeedbackType.UNCODED:  # "not yet coded" has the default target
                self.fields[f"target_{code}"] = forms.IntegerField(
                    label=label, min_value=1, max_value=8760, required=False
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("sms_enabled") and not cleaned.get("sms_channel"):
            self.add_error(
                "sms_channel",
                _("Choose the channel that sends them (a Kannel, Twilio or Africa's Talking one)."),
            )
        return cleaned

    def target_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("target_")]

    def targets(self) -> dict[str, int]:
        return {
            name.removeprefix("target_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("target_") and value
        }
