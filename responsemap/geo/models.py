from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminArea(models.Model):
    """An administrative area (COD-AB style): P-code, level, parent, GeoJSON geometry.

    Geometry is kept as GeoJSON text and tested with shapely, so the embedded default
    needs neither GDAL nor PostGIS. The bounding box columns let a point lookup skip
    most areas before any geometry is parsed.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="areas")
    pcode = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    names = models.JSONField(default=dict, blank=True, help_text=_("Name per language code"))
    level = models.PositiveSmallIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    geometry = models.JSONField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    # A worker compares the newest of these (and the count) with what it loaded, so a new
    # or renamed area applies to the next batch of messages (triage/redaction.py).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "pcode"], name="area_pcode_unique")
        ]
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.pcode})"

    def label(self, language: str = "") -> str:
        return str(self.names.get(language) or self.name)
