"""``manage.py import_prices FILE... [--region REGION]``: a new price catalog from AWS offer files.

Reads AWS Price List bulk offer files (Lambda, EC2, Fargate, SageMaker, Step
Functions) and writes a new catalog version for the region. A malformed or
unrelated file is refused with a message naming it, exit status 2, and the
current catalog is left untouched.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from placement.price_import import OfferFileError, import_offer_files
from placement.pricing import PRICES_DIR, CatalogError

INVALID = 2


class Command(BaseCommand):
    help = "Import AWS Price List offer files into a new price catalog version for a region."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="AWS Price List offer files (JSON).")
        parser.add_argument("--region", default="us-east-1", help="Region to import (default us-east-1).")
        parser.add_argument(
            "--prices-dir",
            type=Path,
            default=PRICES_DIR,
            help="Folder of catalogs, one sub-folder per region.",
        )

    def handle(self, *args, files: list[Path], region: str, prices_dir: Path, **options):
        try:
            result = import_offer_files(files, region, prices_dir)
        except (OfferFileError, CatalogError) as exc:
            raise CommandError(f"Nothing imported: {exc}", returncode=INVALID)
        self.stdout.write(
            f"Wrote {result.version} ({result.path}): {len(result.imported)} rates "
            f"imported, {result.carried_over} carried over from the previous version."
        )
        if not result.is_newest:
            self.stdout.write(
                self.style.WARNING(
                    "A newer catalog already exists for this region; assessments keep using it."
                )
            )
