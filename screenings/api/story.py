"""REST API for productions, episodes, branches and publishing (shared/API.md, "Producers").

Reads go through selectors (what this user may see; anything else is 404),
writes through services (only the owner or a superuser; others get 403).

Each endpoint is its own thin view on purpose: one route, one permission, one schema entry, one
service call. They look alike (parse, call, answer) because that is their whole job; logic that
repeats lives once in the services, selectors and serializers they call.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from config.api_errors import ErrorSerializer
from config.errors import Invalid
from config.parsers import BoundedJSONParser
from screenings.api.story_serializers import (
    BranchCreateIn,
    BranchOut,
    BranchUpdateIn,
    EpisodeIn,
    EpisodeOut,
    ProductionCreateIn,
    ProductionOut,
    ProductionUpdateIn,
    PublishIn,
)
from screenings.models import Episode
from screenings.selectors import story as selectors
from screenings.services import story as services

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {**ERRORS, 409: ErrorSerializer}
TAGS = ["productions"]


def _episode_in(production, episode_id, field: str) -> Episode | None:
    if episode_id is None:
        return None
    episode = Episode.objects.filter(pk=episode_id, production=production).first()
    if episode is None:
        raise Invalid(
            _("No episode %(episode_id)s in this production.") % {"episode_id": episode_id},
            fields={field: [_("Not an episode of this production.")]},
        )
    return episode


def _production_out(production_id: int, request) -> dict:
    production = selectors.production_get(production_id=production_id, user=request.user)
    selectors.production_graph_attach([production], user=request.user)
    return ProductionOut(production, context={"request": request}).data


class ProductionListApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = ProductionOut

    @extend_schema(
        tags=TAGS,
        summary="Productions you may see (yours, and others' with a published episode)",
        parameters=[OpenApiParameter("mine", bool, description="Only productions you own.")],
        responses={200: ProductionOut(many=True), 400: ErrorSerializer},
    )
    def get(self, request):
        mine = request.query_params.get("mine", "").lower() in {"1", "true", "yes"}
        page = self.paginate_queryset(selectors.production_list(user=request.user, mine=mine))
        selectors.production_graph_attach(page, user=request.user)
        return self.get_paginated_response(ProductionOut(page, many=True, context={"request": request}).data)

    @extend_schema(
        tags=TAGS, summary="Create a production", request=ProductionCreateIn, responses={201: ProductionOut, **ERRORS}
    )
    def post(self, request):
        data = _valid(ProductionCreateIn, request.data)
        production = services.production_create(owner=request.user, **data)
        return Response(_production_out(production.pk, request), status=status.HTTP_201_CREATED)


class ProductionDetailApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = ProductionOut

    @extend_schema(
        tags=TAGS,
        summary="A production and its whole visible graph",
        responses={200: ProductionOut, 404: ErrorSerializer},
    )
    def get(self, request, production_id: int):
        return Response(_production_out(production_id, request))

    @extend_schema(
        tags=TAGS,
        summary="Change title, synopsis or start episode",
        request=ProductionUpdateIn,
        responses={200: ProductionOut, **ERRORS},
    )
    def patch(self, request, production_id: int):
        production = selectors.production_get(production_id=production_id, user=request.user)
        data = _valid(ProductionUpdateIn, request.data)
        if "start_episode" in data:
            data["start_episode"] = _episode_in(production, data["start_episode"], "start_episode")
        services.production_update(production=production, actor=request.user, **data)
        return Response(_production_out(production.pk, request))


class ProductionEpisodesApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    serializer_class = EpisodeOut

    @extend_schema(
        tags=TAGS,
        summary="Episodes of a production (the public sees published ones)",
        parameters=[OpenApiParameter("status", str, enum=Episode.Status.values, description="Only this status.")],
        responses={200: EpisodeOut(many=True), 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, production_id: int):
        production = selectors.production_get(production_id=production_id, user=request.user)
        wanted = request.query_params.get("status") or None
        if wanted and wanted not in Episode.Status.values:
            allowed = ", ".join(Episode.Status.values)
            raise Invalid(
                _("Unknown status %(wanted)s.") % {"wanted": repr(wanted)},
                fields={"status": [_("One of %(allowed)s.") % {"allowed": allowed}]},
            )
        page = self.paginate_queryset(selectors.episode_list(production=production, user=request.user, status=wanted))
        return self.get_paginated_response(EpisodeOut(page, many=True, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        summary="Add a draft episode (JSON or multipart upload)",
        request=EpisodeIn,
        responses={201: EpisodeOut, **ERRORS},
    )
    def post(self, request, production_id: int):
        production = selectors.production_get(production_id=production_id, user=request.user)
        data = _valid(EpisodeIn, request.data)
        episode = services.episode_create(production=production, actor=request.user, **data)
        return Response(EpisodeOut(episode, context={"request": request}).data, status=status.HTTP_201_CREATED)


class EpisodeDetailApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    serializer_class = EpisodeOut

    @extend_schema(
        tags=TAGS,
        summary="An episode (drafts only for their producer)",
        responses={200: EpisodeOut, 404: ErrorSerializer},
    )
    def get(self, request, episode_id: int):
        episode = selectors.episode_get(episode_id=episode_id, user=request.user)
        return Response(EpisodeOut(episode, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        summary="Edit an episode (JSON or multipart upload)",
        request=EpisodeIn,
        responses={200: EpisodeOut, **ERRORS},
    )
    def patch(self, request, episode_id: int):
        episode = selectors.episode_get(episode_id=episode_id, user=request.user)
        data = _valid(EpisodeIn, request.data, partial=True)
        episode = services.episode_update(episode=episode, actor=request.user, **data)
        return Response(EpisodeOut(episode, context={"request": request}).data)


class EpisodePublishApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = EpisodeOut

    @extend_schema(
        tags=TAGS,
        summary="Publish now, or schedule for release_at",
        description="Refused with `invalid` naming the episodes (`fields.episodes`) when the start episode could "
        "not reach every published episode through published ones, or the graph would loop.",
        request=PublishIn,
        responses={200: EpisodeOut, **WRITE_ERRORS},
    )
    def post(self, request, episode_id: int):
        episode = selectors.episode_get(episode_id=episode_id, user=request.user)
        release_at = _valid(PublishIn, request.data).get("release_at")
        if release_at and release_at > timezone.now():
            episode = services.episode_schedule(episode=episode, release_at=release_at, actor=request.user)
        else:
            episode = services.episode_publish(episode=episode, actor=request.user)
        return Response(EpisodeOut(episode, context={"request": request}).data)


class EpisodeUnpublishApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = EpisodeOut

    @extend_schema(
        tags=TAGS,
        summary="Take a scheduled episode back to draft",
        request=None,
        responses={200: EpisodeOut, **WRITE_ERRORS},
    )
    def post(self, request, episode_id: int):
        episode = selectors.episode_get(episode_id=episode_id, user=request.user)
        episode = services.episode_unpublish(episode=episode, actor=request.user)
        return Response(EpisodeOut(episode, context={"request": request}).data)


class ProductionBranchesApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = BranchOut

    @extend_schema(
        tags=TAGS, summary="Branches of a production", responses={200: BranchOut(many=True), 404: ErrorSerializer}
    )
    def get(self, request, production_id: int):
        production = selectors.production_get(production_id=production_id, user=request.user)
        page = self.paginate_queryset(selectors.branch_list(production=production, user=request.user))
        return self.get_paginated_response(BranchOut(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Join two episodes with a labelled choice",
        request=BranchCreateIn,
        responses={201: BranchOut, **ERRORS},
    )
    def post(self, request, production_id: int):
        production = selectors.production_get(production_id=production_id, user=request.user)
        data = _valid(BranchCreateIn, request.data)
        source = _episode_in(production, data.pop("source"), "source")
        target = _episode_in(production, data.pop("target"), "target")
        branch = services.branch_create(source=source, target=target, actor=request.user, **data)
        return Response(BranchOut(branch).data, status=status.HTTP_201_CREATED)


class BranchDetailApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = BranchOut

    @extend_schema(tags=TAGS, summary="A branch", responses={200: BranchOut, 404: ErrorSerializer})
    def get(self, request, branch_id: int):
        return Response(BranchOut(selectors.branch_get(branch_id=branch_id, user=request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="Relabel, reorder or make default",
        request=BranchUpdateIn,
        responses={200: BranchOut, **ERRORS},
    )
    def patch(self, request, branch_id: int):
        branch = selectors.branch_get(branch_id=branch_id, user=request.user)
        data = _valid(BranchUpdateIn, request.data)
        return Response(BranchOut(services.branch_update(branch=branch, actor=request.user, **data)).data)

    @extend_schema(
        tags=TAGS, summary="Remove a branch (refused if published episodes need it)", responses={204: None, **ERRORS}
    )
    def delete(self, request, branch_id: int):
        branch = selectors.branch_get(branch_id=branch_id, user=request.user)
        services.branch_delete(branch=branch, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _valid(serializer_class, data, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
