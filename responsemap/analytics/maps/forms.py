"""The map's filters (the dashboard's, without the area: the map is by area) with the
administrative level, and a project's map settings (managers)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responsemap.analytics.forms import DashboardForm
from responsemap.analytics.maps.models import MapSettings
from responsemap.analytics.maps.queries import MAX_ZOOM, Bounds


class MapForm(DashboardForm):
    level = forms.TypedChoiceField(
        label=_("Areas by"), choices=[], coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, levels: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["area"]
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (level, _("Level %(level)d") % {"level": level}) for level in levels
        ]
        self.order_fields(["level"])


class ViewForm(forms.Form):
    """What the map's JavaScript asks for: the view's bounds and zoom (a 400 if not)."""

    bbox = forms.CharField(max_length=120)
    zoom = forms.IntegerField(min_value=0, max_value=MAX_ZOOM)

    def clean_bbox(self) -> Bounds:
        bounds = Bounds.parse(self.cleaned_data["bbox"])
        if bounds is None:
            raise forms.ValidationError(_("Give the view as west,south,east,north in degrees."))
        return bounds


class BoundariesForm(forms.Form):
    level = forms.IntegerField(min_value=0, max_value=9)
    zoom = forms.IntegerField(min_value=0, max_value=MAX_ZOOM, required=False)


TILE_PATTERN = re.compile(r"^https?://[^\s\"'<>]+$")


class MapSettingsForm(forms.ModelForm[MapSettings]):
    class Meta:
        model = MapSettings
        fields = ["grid_metres", "tile_url", "tile_attribution"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid_metres"].widget.attrs.update({"min": 1000, "max": 100_000})

    def clean_grid_metres(self) -> int:
        value = int(self.cleaned_data["grid_metres"])
        if value < 1000:
            # Positions are stored to about 1 km: a finer grid would only pretend.
            raise forms.ValidationError(_("The grid can't be finer than 1,000 metres."))
        if value > 100_000:
            raise forms.ValidationError(_("Choose at most 100,000 metres."))
        return value

    def clean_tile_url(self) -> str:
        value = str(self.cleaned_data.get("tile_url") or "").strip()
        if value and (
            not TILE_PATTERN.match(value) or not all(p in value for p in ("{z}", "{x}", "{y}"))
        ):
            raise forms.ValidationError(
                _("Give an http(s) address with {z}, {x} and {y} in it, or leave it empty.")
            )
        return value
