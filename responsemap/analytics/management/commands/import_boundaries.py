"""``manage.py import_boundaries FILE --project SLUG --level N``: administrative areas
from a COD-AB style GeoJSON file, checked first (``geo.boundaries``: invalid geometry,
overlaps, gaps, missing parents, printed as a report), then written, then the areas of
the project's records with a position re-derived. ``--dry-run`` checks and reports
only."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from responsemap.analytics.actions import do_rederive_areas
from responsemap.geo.actions import do_import_boundaries
from responsemap.geo.boundaries import BoundaryFileRefused, load_geojson, read_boundaries
from responsemap.projects.models import Project


class Command(BaseCommand):
    help = "Import administrative boundaries (COD-AB style GeoJSON) into a project."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", metavar="SLUG", required=True)
        parser.add_argument("--level", type=int, required=True, help="1 = ADM1, 2 = ADM2…")
        parser.add_argument("--pcode-field", help="default: ADM<level>_PCODE")
        parser.add_argument("--name-field", help="default: ADM<level>_EN")
        parser.add_argument(
            "--parent-field", default="", help="the parent's P-code (default: by prefix)"
        )
        parser.add_argument(
            "--name-in",
            action="append",
            default=[],
            metavar="LANG=FIELD",
            help="a name per language, e.g. fr=ADM2_FR (repeatable)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        level = options["level"]
        if not 0 <= level <= 9:
            raise CommandError("The level is a number from 0 to 9.")
        names = {}
        for pair in options["name_in"]:
            lang, _sep, column = pair.partition("=")
            if not lang or not column:
                raise CommandError(f"--name-in takes LANG=FIELD, not {pair!r}.")
            names[lang] = column
        try:
            data = load_geojson(options["file"].read_bytes())
        except OSError as error:
            raise CommandError(f"Can't read {options['file']}: {error.strerror}") from None
        except BoundaryFileRefused as refusal:
            raise CommandError(str(refusal)) from None
        report = read_boundaries(
            project.pk,
            data,
            level=level,
            pcode_field=options["pcode_field"] or f"ADM{level}_PCODE",
            name_field=options["name_field"] or f"ADM{level}_EN",
            parent_field=options["parent_field"],
            name_fields=names,
        )
        for line in report.lines():
            self.stdout.write(line)
        if not report.boundaries:
            raise CommandError("No area to import.")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing written.")
            return
        created, updated = do_import_boundaries(project.pk, report)
        self.stdout.write(f"{created} areas added, {updated} updated.")
        moved = do_rederive_areas(project.pk)
        self.stdout.write(f"{moved} records moved to the area their position is in.")
