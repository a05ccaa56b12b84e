from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from roadmap.content import DEFAULT_PATH, ContentError, load_file
from roadmap.models import Milestone


class Command(BaseCommand):
    help = (
        "Load the roadmap from its YAML file: upsert by slug, archive milestones the file no "
        "longer lists, never delete progress. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", default=str(DEFAULT_PATH), help=f"default: {DEFAULT_PATH}"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="load only into a database with no roadmap yet (what `make run` and `make "
            "serve` do): once there is one, the admin is where it is edited, and a restart "
            "must not put the file's version back over the editors' changes",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what loading the file would change, and save nothing",
        )

    def handle(self, *args, file, if_empty, dry_run, **options):
        if if_empty and Milestone.objects.exists():
            self.stdout.write("The roadmap is already loaded: the file was not read.")
            return
        try:
            with transaction.atomic():
                report = load_file(file)
                if dry_run:
                    transaction.set_rollback(True)
                    report.dry_run = True
                    self.stdout.write("Dry run: nothing was saved. Loading the file would do this:")
        except ContentError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        for line in report.lines():
            self.stdout.write(line)
