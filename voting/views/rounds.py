"""The producer's form for opening a release round (also included on the production page)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import DomainError
from screenings import policy
from screenings.models import Production
from voting.selectors.rounds import round_decision_points_list
from voting.services.rounds import round_open


class RoundOpenForm(forms.Form):
    # No default: the producer picks the decision point (the first one is rarely the one meant).
    episode = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Decision point"), empty_label=gettext_lazy("— choose a decision point —")
    )
    # Both times are read in the visitor's time zone (config/middleware.py); __init__ names it.
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Voting closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    release_at = forms.DateTimeField(
        label=gettext_lazy("Release the winner at (optional: at once)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    hide_results = forms.BooleanField(
        label=gettext_lazy("Hide the counts from audiences until the round is decided"), required=False
    )

    def __init__(self, *args, production: Production, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [e.id for e in round_decision_points_list(production=production)]
        self.fields["episode"].queryset = production.episodes.filter(id__in=ids).order_by("id")
        zone = timezone.get_current_timezone_name()
        for name in ("closes_at", "release_at"):
            self.fields[name].label = _("%(label)s (%(zone)s)") % {"label": self.fields[name].label, "zone": zone}


@login_required
def production_round_open(request, production_id: int):
    production = get_object_or_404(Production, pk=production_id)
    if not policy.production_can_edit(user=request.user, production=production):
        raise PermissionDenied(_("Only the production's producer opens release rounds."))
    form = RoundOpenForm(request.POST or None, production=production)
    if request.method == "POST" and form.is_valid():
        try:
            poll = round_open(production=production, by=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                _("Release round %(id)s is open until %(closes_at)s (%(zone)s).")
                % {
                    "id": poll.id,
                    "closes_at": format(timezone.localtime(poll.closes_at), "%Y-%m-%d %H:%M"),
                    "zone": timezone.get_current_timezone_name(),
                },
            )
            return redirect("production-analytics", production_id=production.id)
    return render(request, "voting/round_open.html", {"production": production, "round_form": form})
