"""manage.py poll_recount <poll id> | --json FILE: reproduce a decided poll's counts and digest."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from voting.models import Decision, Poll
from voting.recount import recount_export, recount_poll


class Command(BaseCommand):
    help = (
        "Recount a decided poll from the database (poll id) or from an exported result JSON alone "
        "(--json FILE, no database needed). Exits non-zero when anything does not match."
    )
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("poll", nargs="?", type=int, help="Id of a decided poll (recount from the database).")
        parser.add_argument("--json", dest="json_file", help="A result JSON export (GET /api/polls/<id>/result/).")

    def handle(self, *args, poll=None, json_file=None, **options):
        if (poll is None) == (json_file is None):
            raise CommandError("Give either a poll id or --json FILE.")
        if json_file:
            try:
                data = json.loads(Path(json_file).read_text())
                result = recount_export(data)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"Cannot read a result export from {json_file}: {exc!r}") from exc
            source = json_file
        else:
            try:
                result = recount_poll(poll=Poll.objects.get(pk=poll))
            except Poll.DoesNotExist:
                raise CommandError(f"No poll {poll}.") from None
            except Decision.DoesNotExist:
                raise CommandError(f"Poll {poll} is not decided yet.") from None
            source = "the database"
        self.stdout.write(f"poll {result.poll} recounted from {source}")
        self.stdout.write(f"counts {json.dumps(result.counts, sort_keys=True)}")
        self.stdout.write(f"digest {result.digest}")
        if not result.ok:
            raise CommandError("MISMATCH: " + "; ".join(result.problems))
        self.stdout.write(self.style.SUCCESS("OK: counts, digest and decision match the published result"))
