"""What the maps read: positions counted on a grid per day (``MapCell``), and each
project's map settings (``MapSettings``).

A record's position is stored coarsened already (``geo.locate.coarsen``: two decimals,
about 1 km), so the finest grid is that: a cell is a hundredth of a degree. Cells are
numbered from the south-west corner of the world (``gx = ⌊(lon + 180) × 100⌋``,
``gy = ⌊(lat + 90) × 100⌋``), never negative, so a coarser cell of ``k`` steps is an
integer division (``gx / k``) on either database.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Grid steps per degree at the finest precision (the stored positions' two decimals).
STEPS_PER_DEGREE = 100


class MapCell(models.Model):
    """How many records of a project received on ``day`` lie in one grid cell and
    share these codes (the map's filters). No record id, no exact position."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    gx = models.IntegerField()
    gy = models.IntegerField()
    type_code = models.CharField(max_length=16)
    sector = models.CharField(max_length=16)
    source = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    sensitivity = models.CharField(max_length=10)
    records = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["project", "day", "gx"], name="mapcell_project_day")]

    def __str__(self) -> str:
        return f"map cell {self.day} {self.gx},{self.gy} ({self.records})"


# Coarser grids kept per week (ADR 0012), in grid steps: about 18, 70 and 280 km.
# A map zoomed out reads the coarsest of these that divides its cells' size.
COARSE_LEVELS = (16, 64, 256)
# The map's filters a coarse cell may carry (one at a time; "" for none).
MAP_FILTERS = ("type_code", "sector", "source", "status")


class MapCoarseCell(models.Model):
    """How many records of a project received in one week (``week``: its Monday) lie in
    one square of ``level`` grid steps, with one filter's value (``dimension`` =
    ``value``; both "" for every record). Written from the ``MapCell`` rows of the
    week (``maps.grid``), so a map zoomed out over a year reads a few thousand of
    these rather than every day's cells."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    level = models.IntegerField()
    gx = models.IntegerField()
    gy = models.IntegerField()
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=16)
    sensitivity = models.CharField(max_length=10)
    records = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["project", "level", "dimension", "value", "week"],
                name="mapcoarse_level",
            ),
            models.Index(fields=["project", "week"], name="mapcoarse_week"),
        ]

    def __str__(self) -> str:
        return f"coarse map cell {self.week} {self.level}:{self.gx},{self.gy} ({self.records})"


class MapSettings(models.Model):
    """A project's map: how coarse its grid is at the finest, and a tile layer (none
    by default: the map draws the project's boundaries alone, offline)."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    grid_metres = models.PositiveIntegerField(
        _("Grid cell size (metres)"),
        default=1000,
        help_text=_("Positions are counted in squares of about this size, never finer."),
    )
    tile_url = models.CharField(
        _("Background map (tile address)"),
        max_length=300,
        blank=True,
        help_text=_(
            "A tile server's address with {z}, {x} and {y}, e.g. one your organisation "
            "runs. Empty: the map shows the project's boundaries alone (works offline)."
        ),
    )
    tile_attribution = models.CharField(_("Background map credit"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"map settings of {self.project_id}"
