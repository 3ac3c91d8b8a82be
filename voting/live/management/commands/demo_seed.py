import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from screenings.templatetags.money import money_format
from voting.live.demo import demo_platform_seed


class Command(BaseCommand):
    help = (
        "Create (once) the demo production, screenings, tickets and logins that `make run` shows, and "
        "start its online screening on autopilot (a new one once the last reached an ending)."
    )

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
        summary = demo_platform_seed(password=password)
        base = settings.SITE_URL.rstrip("/")
        s = summary.screening
        lines = [
            f"Demo production: {summary.production.title}  ({base}/productions/{summary.production.id}/)",
            f"Demo screening:  {base}/screenings/{s.id}/  (half price: {money_format(s.ticket_price, s.currency, 'en')})",
            f"Live console:    {base}/screenings/{s.id}/console/  (log in as organizer)",
            f"Cinema screen:   {base}/screenings/{s.id}/screen/",
            f"Logins (password {summary.password!r}): admin (superuser), producer, organizer",
            "Demo tickets (each page links to the live voting page for phones):",
        ]
        lines += [f"  {base}/t/{ticket.code}/" for ticket in summary.tickets]
        if summary.online is not None:
            o = summary.online
            lines += [
                "On autopilot now: an online screening plays the whole story by itself (about 4 minutes;",
                "the vote opens at each decision point's cue, the winner plays next, an ending ends it).",
                f"  Watch it on its screen:  {base}/screenings/{o.id}/screen/",
                f"  Watch and vote on phones: {base}/t/{summary.online_tickets[0].code}/live/",
                f"  Its console:  {base}/screenings/{o.id}/console/  (pause, resume; `make run` again starts a new one)",
            ]
        self.stdout.write("\n".join(lines))
