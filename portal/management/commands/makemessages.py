"""`makemessages` with this project's settings, so `make messages` and the tests agree.

The source strings are Japanese; English is the one translation (locale/en). Templates
(.html, mail .txt) and Python are scanned; tests, benchmarks and generated files are not.
"""

from django.core.management.commands import makemessages

IGNORED = [
    "tests/*",
    "bench/*",
    "loadtest/*",
    "docs/*",
    "staticfiles/*",
    "media/*",
    "locale/*",
    "mutants/*",  # make mutation's copy of the code
]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        if not options["locale"] and not options["all"]:
            options["locale"] = ["en"]
        if options["extensions"] is None:
            options["extensions"] = ["html", "txt", "py"]
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED]
        options["no_obsolete"] = True
        options["add_location"] = options["add_location"] or "file"
        return super().handle(*args, **options)
