import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from screenings.demo import demo_seed


class Command(BaseCommand):
    help = "Create (once) the demo production, screening, tickets and logins that `make run` shows."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=None, help="Password of the demo logins (default: $DEMO_PASSWORD).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo creates a superuser with a known password: never in production.",
        )

    def handle(self, *args, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "demo_seed refuses to run with DEBUG off (e.g. under config.settings.production): it creates "
                "a superuser and logins with a known password. Use --force only on a throwaway machine."
            )
        password = password or os.environ.get("DEMO_PASSWORD", "episodic-demo")
        summary = demo_seed(password=password)
        base = settings.SITE_URL.rstrip("/")
        s = summary.screening
        lines = [
            f"Demo production: {summary.production.title}  ({base}/productions/{summary.production.id}/)",
            f"Demo screening:  {base}/screenings/{s.id}/  (half price: {s.ticket_price} {s.currency})",
            f"Live console:    {base}/screenings/{s.id}/console/  (log in as organizer)",
            f"Cinema screen:   {base}/screenings/{s.id}/screen/",
            f"Logins (password {summary.password!r}): admin (superuser), producer, organizer",
            "Demo tickets (each page links to the live voting page for phones):",
        ]
        lines += [f"  {base}/t/{ticket.code}/" for ticket in summary.tickets]
        self.stdout.write("\n".join(lines))
