"""The demo `make run` serves, as a whole platform: screenings/demo.py makes the story and the
ticketing data; this starts its online screening on autopilot, so the story plays by itself."""

from __future__ import annotations

from django.db import transaction

from screenings.demo import DemoSummary, demo_seed
from screenings.models import Screening
from voting.live.services import screening_start


@transaction.atomic
def demo_platform_seed(*, password: str) -> DemoSummary:
    summary = demo_seed(password=password)
    online = summary.online
    if online is not None and online.status != Screening.Status.LIVE:
        summary.online = screening_start(screening=online, by=online.organizer, autopilot=True)
    return summary
