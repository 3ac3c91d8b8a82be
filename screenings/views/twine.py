"""The studio's "Import from Twine" page: upload a Twine 2 HTML or Twee file, see the report.

The same service as POST /api/productions/import/; a refused or unreadable file comes back
as a form error naming the line and passage, nothing created.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from screenings.services.twine_import import DEFAULT_DURATION_SECONDS, production_import_twine, twine_upload_read
from screenings.twine import DURATION_MAX


class TwineImportForm(forms.Form):
    file = forms.FileField(
        label=_("Twine file"), help_text=_("A Twine 2 archive or published story (.html), or Twee 3 (.twee, .tw).")
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Leave empty to use the story's title.")
    )
    duration_seconds = forms.IntegerField(
        label=_("Episode length (seconds)"),
        required=False,
        min_value=1,
        max_value=DURATION_MAX,
        initial=DEFAULT_DURATION_SECONDS,
        help_text=_("Each passage becomes an episode this long; change it per episode later."),
    )


@login_required
def twine_import(request):
    form = TwineImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            source = twine_upload_read(upload=form.cleaned_data["file"])
            result = production_import_twine(
                producer=request.user,
                source=source,
                title=form.cleaned_data["title"],
                duration_seconds=form.cleaned_data["duration_seconds"] or DEFAULT_DURATION_SECONDS,
            )
        except DomainError as error:
            error.add_to_form(form)
    status = 201 if result else 400 if form.errors else 200
    return render(request, "screenings/producer/twine_import.html", {"form": form, "result": result}, status=status)
