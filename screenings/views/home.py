from django.shortcuts import render

from screenings.models import Episode, Screening


def home(request):
    screenings = (
        Screening.objects.exclude(status__in=[Screening.Status.ENDED, Screening.Status.CANCELLED])
        .select_related("production", "venue")
        .order_by("starts_at")[:20]
    )
    return render(
        request,
        "home.html",
        {
            "screenings": screenings,
            "latest_episodes": Episode.objects.filter(status=Episode.Status.PUBLISHED)
            .select_related("production")
            .order_by("-published_at")[:10],
        },
    )
