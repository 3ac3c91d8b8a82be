"""Producer pages: the studio, a production's graph and editing tools, episode pages.

Each form posts to its own thin view (`_submit` runs it through a service; a refusal re-renders the
page with the form bound): they look alike by shape, the logic lives once in `_submit` and the
services.

Reads go through selectors, changes through services; a refused change
comes back as a message on the production page naming what was wrong.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError, Forbidden, NotFound
from screenings import policy
from screenings.graph_svg import story_graph_svg
from screenings.selectors import story as selectors
from screenings.services import story as services
from screenings.views.producer_forms import (
    BranchEditForm,
    BranchForm,
    EpisodeForm,
    ProductionForm,
    ProductionSettingsForm,
    PublishForm,
)


def _http_errors(view):
    """Hidden or missing objects are 404s, someone else's production is a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from error
        except Forbidden as error:
            raise PermissionDenied(error.message) from error

    return wrapper


def _refused(request, error: DomainError) -> None:
    messages.error(request, _("Refused: %(message)s") % {"message": error.message})


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        name = form.fields[field].label or field.replace("_", " ") if field in form.fields else _("Form")
        messages.error(
            request, _("%(field)s: %(errors)s") % {"field": str(name).capitalize(), "errors": " ".join(errors)}
        )


def _submit(request, form, change, success) -> bool:
    """Validate `form` and apply `change(form)` through a service: True with a success message,
    or False with the problems on the form (next to its fields, the one adapter DomainError.add_to_form)."""
    if not form.is_valid():
        return False
    try:
        result = change(form)
    except DomainError as error:
        error.add_to_form(form)
        return False
    messages.success(request, success(result))
    return True


def _editable_production(request, production_id: int):
    production = selectors.production_get(production_id=production_id, user=request.user)
    if not policy.production_can_edit(production=production, user=request.user):
        raise Forbidden(_("Only the production's producer can change it."))
    return production


def _graph_svg(production, user):
    episodes, branches = selectors.production_graph(production=production, user=user)
    visible = {e.id for e in episodes}
    start = production.start_episode_id if production.start_episode_id in visible else None
    return episodes, branches, story_graph_svg(episodes=episodes, branches=branches, start_id=start)


@login_required
@_http_errors
def studio(request):
    form = ProductionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                production = services.production_create(owner=request.user, **form.cleaned_data)
            except DomainError as error:
                _refused(request, error)
            else:
                messages.success(
                    request, _("Created «%(title)s». Add its first episode.") % {"title": production.title}
                )
                return redirect("production-detail", production.pk)
    productions = selectors.production_list(user=request.user, mine=True)
    return render(request, "screenings/producer/studio.html", {"productions": productions, "form": form})


@_http_errors
def production_detail(request, production_id: int):
    production = selectors.production_get(production_id=production_id, user=request.user)
    if not policy.production_can_edit(production=production, user=request.user):
        episodes, branches, svg = _graph_svg(production, request.user)
        context = {"production": production, "episodes": episodes, "branches": branches, "graph_svg": svg}
        return render(request, "screenings/producer/production_public.html", context)
    return _production_edit_page(request, production)


def _production_edit_page(request, production, *, status: int = 200, **bound_forms):
    """The producer's production page; a refused form comes back bound (with what was typed, and its
    problems next to the fields) with status 422, the others fresh."""
    episodes, branches, svg = _graph_svg(production, request.user)
    titles = {e.id: e.title for e in episodes}
    initial = {"title": production.title, "synopsis": production.synopsis, "start_episode": production.start_episode_id}
    context = {
        "production": production,
        "episodes": episodes,
        "branches": branches,
        "graph_svg": svg,
        "branch_rows": [(b, titles[b.source_id], titles[b.target_id]) for b in branches],
        "settings_form": ProductionSettingsForm(initial=initial, production=production),
        "episode_form": EpisodeForm(),
        "branch_form": BranchForm(production=production),
        "publish_form": PublishForm(),
        "now": timezone.now(),
        **bound_forms,
    }
    return render(request, "screenings/producer/production_edit.html", context, status=status)


@_http_errors
def production_graph(request, production_id: int):
    """The graph picture alone, for pages that refresh it live."""
    production = selectors.production_get(production_id=production_id, user=request.user)
    return HttpResponse(_graph_svg(production, request.user)[2], content_type="image/svg+xml")


@login_required
@require_POST
@_http_errors
def production_settings(request, production_id: int):
    production = _editable_production(request, production_id)
    form = ProductionSettingsForm(request.POST, production=production)

    def change(form):
        return services.production_update(production=production, actor=request.user, **form.cleaned_data)

    if not _submit(request, form, change, lambda _result: _("Production saved.")):
        return _production_edit_page(request, production, status=422, settings_form=form)
    return redirect("production-detail", production.pk)


@login_required
@require_POST
@_http_errors
def episode_create(request, production_id: int):
    production = _editable_production(request, production_id)
    form = EpisodeForm(request.POST, request.FILES)

    def change(form):
        return services.episode_create(production=production, actor=request.user, **form.changes())

    if not _submit(request, form, change, lambda e: _("Added «%(title)s» as a draft.") % {"title": e.title}):
        return _production_edit_page(request, production, status=422, episode_form=form)
    return redirect("production-detail", production.pk)


@login_required
@require_POST
@_http_errors
def branch_create(request, production_id: int):
    production = _editable_production(request, production_id)
    form = BranchForm(request.POST, production=production)

    def change(form):
        return services.branch_create(actor=request.user, **form.cleaned_data)

    if not _submit(request, form, change, lambda b: _("Added the choice «%(label)s».") % {"label": b.label}):
        return _production_edit_page(request, production, status=422, branch_form=form)
    return redirect(reverse("production-detail", args=[production.pk]) + "#branches")


@_http_errors
def episode_detail(request, episode_id: int):
    episode = selectors.episode_get(episode_id=episode_id, user=request.user)
    can_edit = policy.production_can_edit(production=episode.production, user=request.user)
    context = {
        "episode": episode,
        "production": episode.production,
        "can_edit": can_edit,
        "choices": selectors.episode_next_branches(episode=episode, user=request.user),
        "cue": _cue_preview(episode),
    }
    return render(request, "screenings/producer/episode_detail.html", context)


def _cue_preview(episode) -> dict:
    """The vote cue on the episode's timeline (an SVG 1000 units wide): where the window opens and closes."""
    at_second, window = episode.vote_cue()
    duration = max(1, episode.duration_seconds)
    return {
        "at_second": at_second,
        "window_seconds": window,
        "closes_second": at_second + window,
        "own": episode.vote_at_second is not None,
        "x": round(1000 * min(at_second, duration) / duration, 1),
        "width": round(1000 * min(window, max(0, duration - at_second)) / duration, 1) or 4,
        "duration": duration,
    }


@login_required
@_http_errors
def episode_edit(request, episode_id: int):
    episode = selectors.episode_get(episode_id=episode_id, user=request.user)
    _editable_production(request, episode.production_id)
    fields = ("title", "synopsis", "duration_seconds", "media_url", "vote_at_second", "vote_window_seconds")
    initial = {f: getattr(episode, f) for f in fields}
    form = EpisodeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":

        def change(form):
            return services.episode_update(episode=episode, actor=request.user, **form.changes())

        if _submit(request, form, change, lambda _result: _("Episode saved.")):
            return redirect("episode-detail", episode.pk)
    status = 422 if form.is_bound else 200
    return render(request, "screenings/producer/episode_form.html", {"episode": episode, "form": form}, status=status)


@login_required
@require_POST
@_http_errors
def episode_publish(request, episode_id: int):
    episode = selectors.episode_get(episode_id=episode_id, user=request.user)
    form = PublishForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("production-detail", episode.production_id)
    release_at = form.cleaned_data["release_at"]
    try:
        if release_at and release_at > timezone.now():
            services.episode_schedule(episode=episode, release_at=release_at, actor=request.user)
            messages.success(
                request,
                _("«%(title)s» will be released at %(release_at)s (%(zone)s).")
                % {
                    "title": episode.title,
                    "release_at": format(timezone.localtime(release_at), "%Y-%m-%d %H:%M"),
                    "zone": timezone.get_current_timezone_name(),
                },
            )
        else:
            services.episode_publish(episode=episode, actor=request.user)
            messages.success(request, _("«%(title)s» is published.") % {"title": episode.title})
    except DomainError as error:
        _refused(request, error)
    return redirect("production-detail", episode.production_id)


@login_required
@require_POST
@_http_errors
def episode_unpublish(request, episode_id: int):
    episode = selectors.episode_get(episode_id=episode_id, user=request.user)
    try:
        services.episode_unpublish(episode=episode, actor=request.user)
        messages.success(request, _("«%(title)s» is back to draft.") % {"title": episode.title})
    except DomainError as error:
        _refused(request, error)
    return redirect("production-detail", episode.production_id)


@login_required
@_http_errors
def branch_edit(request, branch_id: int):
    branch = selectors.branch_get(branch_id=branch_id, user=request.user)
    production = _editable_production(request, branch.source.production_id)
    initial = {"label": branch.label, "position": branch.position, "is_default": branch.is_default}
    form = BranchEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.branch_update(branch=branch, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Choice saved."))
            return redirect(reverse("production-detail", args=[production.pk]) + "#branches")
    return render(request, "screenings/producer/branch_form.html", {"branch": branch, "form": form})


@login_required
@require_POST
@_http_errors
def branch_delete(request, branch_id: int):
    branch = selectors.branch_get(branch_id=branch_id, user=request.user)
    try:
        services.branch_delete(branch=branch, actor=request.user)
        messages.success(request, _("Removed the choice «%(label)s».") % {"label": branch.label})
    except DomainError as error:
        _refused(request, error)
    return redirect(reverse("production-detail", args=[branch.source.production_id]) + "#branches")
