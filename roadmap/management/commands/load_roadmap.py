from django.core.management.base import BaseCommand, CommandError

from roadmap.content import DEFAULT_PATH, ContentError, load_file


class Command(BaseCommand):
    help = (
        "Load the roadmap from its YAML file: upsert by slug, archive milestones the file no "
        "longer lists, never delete progress. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args, file, **options):
        try:
            report = load_file(file)
        except ContentError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from exc
        for line in report.lines():
            self.stdout.write(line)
