"""Connecting a form server, and matching the form's fields to the record's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.imports.mapping import TARGETS, suggest_mapping
from responsemap.imports.pull import hosts
from responsemap.imports.pull.models import PullSource
from responsemap.lib.timezones import zone_choices

_FORM_ID = re.compile(r"^[\w.\-]{1,200}$")
FORBIDDEN_HOST = _(
    "This address can't be fetched from: it is this server itself, a local or cloud "
    "service address, or a private network address this installation does not allow."
)


class PullSourceForm(forms.Form):
    """The connection: which server, which form, and how to sign in. On a change the
    secret fields may stay empty: the sealed ones are kept."""

    kind = forms.ChoiceField(
        label=_("Server"), choices=PullSource.Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Shown in the list."))
    server_url = forms.URLField(
        label=_("Server address"),
        help_text=_("For example https://kf.kobotoolbox.org or https://central.example.org"),
        assume_scheme="https",
        widget=forms.TextInput(attrs={"inputmode": "url", "dir": "ltr", "autocomplete": "url"}),
    )
    asset_uid = forms.CharField(
        label=_("KoboToolbox form id (asset uid)"),
        required=False,
        max_length=64,
        help_text=_("In the form's address: …/#/forms/<id>/summary"),
    )
    token = forms.CharField(
        label=_("KoboToolbox API token"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Account settings → Security → API key."),
    )
    project_id = forms.CharField(
        label=_("ODK Central project number"), required=False, max_length=12
    )
    form_id = forms.CharField(label=_("ODK Central form id"), required=False, max_length=200)
    email = forms.EmailField(label=_("ODK Central e-mail"), required=False)
    password = forms.CharField(
        label=_("ODK Central password"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Of a web user who may read the form's submissions (not an App User)."),
    )
    interval_minutes = forms.IntegerField(
        label=_("Fetch every (minutes)"), min_value=5, max_value=7 * 24 * 60, initial=60
    )
    is_active = forms.BooleanField(label=_("Fetch on the schedule"), required=False, initial=True)

    def __init__(self, *args: Any, source: PullSource | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        if source is not None:
            config = source.config or {}
            self.fields["kind"].disabled = True
            self.initial.update(
                {
                    "kind": source.kind,
                    "name": source.name,
                    "interval_minutes": source.interval_minutes,
                    "is_active": source.is_active,
                    **{k: str(v) for k, v in config.items() if k in self.fields},
                }
            )
            keep = _("Leave empty to keep the one saved (not with a new server address).")
            self.fields["token"].help_text = keep
            self.fields["email"].help_text = _("With the password, or both empty to keep them.")
            self.fields["password"].help_text = keep

    def clean_server_url(self) -> str:
        url = str(self.cleaned_data["server_url"]).strip().rstrip("/")
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 (raises on a port out of range)
        except ValueError:
            raise forms.ValidationError(
                _("Give the server's address only, such as https://…")
            ) from None
        if parts.scheme not in ("http", "https") or parts.query or parts.fragment:
            raise forms.ValidationError(_("Give the server's address only, such as https://…"))
        try:
            hosts.check_url(url)
        except hosts.ForbiddenHost:
            raise forms.ValidationError(FORBIDDEN_HOST) from None
        except OSError:
            pass  # a name that does not resolve now: the first fetch says "unreachable"
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or (self.source.kind if self.source else "")
        # A saved token or password is only ever sent to the server it was given for:
        # a new address needs them typed again (else whoever edits the address could
        # have the saved secret sent to a server of their choosing).
        new = self.source is None or self._moves_server(data)
        if kind == PullSource.Kind.KOBO:
            self._require(data, "asset_uid", _("Give the form's id."))
            if new:
                self._require(data, "token", _("Give the API token."))
            if data.get("asset_uid") and not _FORM_ID.match(data["asset_uid"].strip()):
                self.add_error("asset_uid", _("Letters and digits only."))
        elif kind == PullSource.Kind.ODK:
            self._require(data, "project_id", _("Give the project's number."))
            self._require(data, "form_id", _("Give the form's id."))
            if new or data.get("password"):
                self._require(data, "email", _("Give the e-mail of the web user."))
            if new or data.get("email"):
                self._require(data, "password", _("Give the password."))
            if data.get("project_id") and not str(data["project_id"]).strip().isdigit():
                self.add_error("project_id", _("A number, as in …/projects/7/…"))
            if data.get("form_id") and not _FORM_ID.match(data["form_id"].strip()):
                self.add_error("form_id", _("Letters, digits, dots, dashes and underscores only."))
        return data

    def _moves_server(self, data: dict[str, Any]) -> bool:
        saved = str((self.source.config or {}).get("server_url") or "") if self.source else ""
        typed = data.get("server_url")
        return typed is not None and typed != saved.strip().rstrip("/")

    def _require(self, data: dict[str, Any], name: str, message: Any) -> None:
        if not str(data.get(name) or "").strip():
            self.add_error(name, message)

    def kind_value(self) -> str:
        return self.source.kind if self.source else str(self.cleaned_data["kind"])

    def config(self) -> dict[str, str]:
        data = self.cleaned_data
        if self.kind_value() == PullSource.Kind.KOBO:
            return {"server_url": data["server_url"], "asset_uid": data["asset_uid"].strip()}
        return {
            "server_url": data["server_url"],
            "project_id": str(data["project_id"]).strip(),
            "form_id": data["form_id"].strip(),
        }

    def secrets(self) -> dict[str, str] | None:
        """The secrets to seal; None on a change that left them empty (kept)."""
        data = self.cleaned_data
        if self.kind_value() == PullSource.Kind.KOBO:
            return {"token": data["token"].strip()} if data.get("token") else None
        if data.get("password"):
            return {"email": data["email"].strip(), "password": data["password"]}
        return None


NOT_MAPPED = ""


def suggested_columns(fields: Sequence[str]) -> dict[str, str]:
    """Target → field path, suggested from the field names as for a file's headers."""
    found = suggest_mapping(list(fields))
    return {target: fields[index] for target, index in found.items() if target != "key"}


class PullMappingForm(forms.Form):
    """One select per target, listing the form's fields by path."""

    date_order = forms.ChoiceField(
        label=_("Dates written with slashes, such as 03/04/2024, are"),
        choices=[("dmy", _("day first (3 April)")), ("mdy", _("month first (4 March)"))],
        widget=forms.RadioSelect,
        initial="dmy",
    )
    keep_phone = forms.BooleanField(
        label=_(
            "The people who answered agreed that their phone number is kept to follow up "
            "their feedback."
        ),
        required=False,
        help_text=_("Without this, phone numbers are not imported."),
    )
    time_zone = forms.ChoiceField(
        label=_("Times without a time zone are in"),
        required=False,
        help_text=_(
            "Kobo and ODK write the phone's local time for start and end. The project's "
            "time zone is suggested."
        ),
    )
    more_text = forms.MultipleChoiceField(
        label=_("Also add to the message text"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each ticked field is added after the message, with its name: a comment "
            "asked in a repeat group, an “other, please specify”."
        ),
    )

    def __init__(
        self,
        *args: Any,
        source: PullSource,
        fields: Sequence[str],
        saved: dict[str, str] | None = None,
        comments: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        """``fields``: the form's fields as the repeat groups are read; ``saved``: the
        form's saved mapping (from an upload of its export), offered when the source has
        none yet; else suggestions from the field names. ``comments``: repeat fields
        that look like comments, ticked for the text when nothing was chosen yet."""
        super().__init__(*args, **kwargs)
        choices = [(NOT_MAPPED, _("— not in the form —"))] + [(f, f) for f in fields]
        current = dict((source.mapping or {}).get("columns") or {})
        if not current and saved:
            current = {t: path for t, path in saved.items() if path in fields}
        if not current:
            current = suggested_columns(fields)
        self.target_fields: list[str] = []
        for target in TARGETS:
            if target.name == "key":
                continue  # always the submission's uuid
            name = f"col_{target.name}"
            self.fields[name] = forms.ChoiceField(
                label=str(target.label),
                help_text=str(target.help),
                choices=choices,
                required=target.required,
                initial=current.get(target.name, NOT_MAPPED),
            )
            self.target_fields.append(name)
        mapping = source.mapping or {}
        self.source_mapping = mapping
        self.fields["date_order"].initial = mapping.get("date_order", "dmy")
        self.fields["keep_phone"].initial = bool(mapping.get("keep_phone"))
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = zone_choices()
        self.fields["time_zone"].initial = mapping.get("time_zone") or source.project.zone
        cast(forms.MultipleChoiceField, self.fields["more_text"]).choices = [(f, f) for f in fields]
        chosen = [f for f in mapping.get("more_text") or [] if f in fields]
        self.fields["more_text"].initial = chosen if "more_text" in mapping else list(comments)
        self.order_fields(
            [*self.target_fields, "more_text", "date_order", "time_zone", "keep_phone"]
        )

    def target_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.target_fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("col_phone") and not data.get("keep_phone"):
            self.add_error(
                "keep_phone",
                _(
                    "Confirm that the people agreed to their phone number being kept, or "
                    "set the phone number to “not in the form”."
                ),
            )
        return data

    def mapping(self) -> dict[str, Any]:
        data = self.cleaned_data
        columns = {
            name.removeprefix("col_"): data[name] for name in self.target_fields if data.get(name)
        }
        return {
            **self.source_mapping,  # the repeat groups' reading and the recodes stay
            "columns": columns,
            "more_text": list(data.get("more_text") or []),
            "date_order": data["date_order"],
            "time_zone": data.get("time_zone") or "",
            "keep_phone": bool(data["keep_phone"]),
        }
