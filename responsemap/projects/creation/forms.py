"""The form that creates a project, on the screen and in ``manage.py create_project``:
every field checked here, with a reason a person can act on."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from responsemap.lib.timezones import zone_choices
from responsemap.projects.creation.area_list import AreaListError, ListedArea, parse_area_list
from responsemap.projects.models import Project
from responsemap.protection.redaction.patterns import PatternRefused, check_id_pattern

COUNTRY = re.compile(r"[A-Za-z]{2}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


def language_name(code: str) -> str:
    """A language's name in the reader's language (its code only if Django knows no name)."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code, _name in settings.LANGUAGES]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class ProjectCreationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=50,
        help_text=_("Letters, digits and dashes; in the addresses of the project's pages."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("What the data is collected for. Shown wherever the project's data is shown."),
    )
    country = forms.CharField(
        label=_("Country"), max_length=2, help_text=_("Two-letter country code, e.g. HT.")
    )
    languages = forms.CharField(
        label=_("Languages"),
        max_length=100,
        help_text=_("Language codes separated by commas, the default first, e.g. fr, ht, en."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "For times written without a zone (Kobo and ODK exports, fetches). "
            "Empty: the country's (its capital's)."
        ),
    )
    retention_days = forms.IntegerField(
        label=_("Keep the data for (days after closing)"), min_value=1, max_value=3650, initial=730
    )
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity class"), choices=Project.Sensitivity.choices, initial="medium"
    )
    sensitivity_review_on = forms.DateField(
        label=_("Review the sensitivity class on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    controller = forms.CharField(
        label=_("Data controller (user name)"),
        max_length=150,
        help_text=_("The person who answers for the data and approves the checklists."),
    )
    controller_organisation = forms.CharField(
        label=_("Data controller's organisation"), max_length=200, required=False
    )
    processors = forms.CharField(
        label=_("Processors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Organisations that handle the data for the controller, one a line."),
    )
    id_patterns = forms.CharField(
        label=_("Identity number patterns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Regular expressions of the country's ID numbers, one a line, e.g. \\d{10}."),
    )
    areas = forms.CharField(
        label=_("Areas"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_(
            "Optional: one area a line, its P-code after a bar, a part of an area "
            "indented under it or written Parent > Child, e.g. “Ouest | HT01”, then "
            "“  Léogâne”. Or import boundary files later."
        ),
    )
    review_interval_days = forms.IntegerField(
        label=_("Review the checklists every (days)"), min_value=7, max_value=730, initial=180
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = cast(forms.ChoiceField, self.fields["time_zone"])
        zones.choices = [("", _("The country's")), *zone_choices()]

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).lower()
        if Project.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another project already has this short name."))
        return slug

    def clean_country(self) -> str:
        value = str(self.cleaned_data["country"]).strip()
        if not COUNTRY.fullmatch(value):
            raise forms.ValidationError(_("Two letters, e.g. HT."))
        return value.upper()

    def clean_languages(self) -> list[str]:
        codes = [c.strip().lower() for c in str(self.cleaned_data["languages"]).split(",")]
        codes = [c for c in codes if c]
        if not codes:
            raise forms.ValidationError(_("Give at least one language."))
        wrong = [c for c in codes if not LANGUAGE.fullmatch(c)]
        if wrong:
            raise forms.ValidationError(
                _("Not a language code: {codes}.").format(codes=", ".join(wrong))
            )
        return list(dict.fromkeys(codes))

    def clean_controller(self) -> Any:
        name = str(self.cleaned_data["controller"]).strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active staff account has this user name."))
        return user

    def clean_processors(self) -> list[str]:
        return [line[:200] for line in _lines(self.cleaned_data.get("processors") or "")]

    def clean_id_patterns(self) -> list[str]:
        patterns = _lines(self.cleaned_data.get("id_patterns") or "")
        # Each runs on every message: the same checks as on the redaction settings screen.
        for pattern in patterns:
            try:
                check_id_pattern(pattern)
            except PatternRefused as refused:
                # Isolated left to right (LRI...PDI): it reads the same on an Arabic page.
                raise forms.ValidationError(
                    _("“{pattern}” can't be used: {reason}").format(
                        pattern=f"\u2066{pattern}\u2069", reason=refused.words
                    )
                ) from None
        return patterns

    def clean_areas(self) -> list[ListedArea]:
        try:
            return parse_area_list(self.cleaned_data.get("areas") or "")
        except AreaListError as exc:
            raise forms.ValidationError(exc.problems) from None

    def creation_arguments(self) -> dict[str, Any]:
        """What ``do_create_project`` takes, from the cleaned form."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"],
            "country": data["country"],
            "languages": data["languages"],
            "purpose": data["purpose"],
            "retention_days": data["retention_days"],
            "time_zone": data.get("time_zone") or "",
            "protection": {
                "sensitivity": data["sensitivity"],
                "sensitivity_review_on": data.get("sensitivity_review_on"),
                "data_controller": data["controller"],
                "controller_organisation": data.get("controller_organisation", ""),
                "processors": data["processors"],
                "id_patterns": data["id_patterns"],
                "review_interval_days": data["review_interval_days"],
            },
        }
