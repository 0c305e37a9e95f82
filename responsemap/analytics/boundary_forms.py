from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 20 * 1024 * 1024


class BoundaryUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Boundary file (GeoJSON, COD-AB style)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
    )
    level = forms.IntegerField(
        label=_("Administrative level"),
        min_value=0,
        max_value=9,
        initial=1,
        help_text=_("1 for regions (ADM1), 2 for the areas inside them (ADM2), and so on."),
    )
    pcode_field = forms.CharField(
        label=_("P-code field"),
        required=False,
        max_length=64,
        help_text=_("Empty: ADM<level>_PCODE"),
    )
    name_field = forms.CharField(
        label=_("Name field"), required=False, max_length=64, help_text=_("Empty: ADM<level>_EN")
    )
    parent_field = forms.CharField(
        label=_("Parent P-code field"),
        required=False,
        max_length=64,
        help_text=_("Empty: the parent is the area one level up whose P-code begins this one."),
    )
    dry_run = forms.BooleanField(label=_("Check only, import nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


def too_large_message() -> str:
    return str(_("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
