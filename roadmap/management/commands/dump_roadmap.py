from pathlib import Path

from django.core.management.base import BaseCommand

from roadmap.content import DEFAULT_PATH, dump, to_yaml


class Command(BaseCommand):
    help = "Write the active roadmap to its YAML file (or '-' for standard output)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            default=str(DEFAULT_PATH),
            help=f"default: {DEFAULT_PATH}, which it overwrites",
        )

    def handle(self, *args, file, **options):
        text = to_yaml(dump())
        if file == "-":
            self.stdout.write(text, ending="")
            return
        Path(file).write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote the roadmap to {file}.")
