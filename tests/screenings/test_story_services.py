"""Story-graph services: every graph rule, staged publishing, ownership."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import Conflict, Forbidden, Invalid
from screenings.models import Branch, Episode
from screenings.services import story as services
from tests.factories import EpisodeFactory, ProductionFactory

pytestmark = pytest.mark.django_db
Status = Episode.Status


def publish(story, *keys):
    for key in keys:
        services.episode_publish(episode=story.ep[key], actor=story.owner)


def status_of(episode) -> str:
    episode.refresh_from_db()
    return episode.status


# --- Productions ----------------------------------------------------------------


def test_slugs_are_unique_and_made_from_the_title(producer):
    first = services.production_create(owner=producer, title="The Lantern Keeper")
    second = services.production_create(owner=producer, title="The Lantern Keeper")
    korean = services.production_create(owner=producer, title="등대지기")

    assert first.slug == "the-lantern-keeper"
    assert second.slug == "the-lantern-keeper-2"
    assert korean.slug == "production"


def test_a_production_needs_a_title(producer):
    with pytest.raises(Invalid) as error:
        services.production_create(owner=producer, title="   ")
    assert "title" in error.value.fields


def test_start_episode_must_belong_to_the_production(story):
    stranger = EpisodeFactory()

    with pytest.raises(Invalid) as error:
        services.production_update(production=story.production, actor=story.owner, start_episode=stranger)

    assert "start_episode" in error.value.fields


def test_moving_the_start_is_refused_when_published_episodes_would_be_cut_off(story):
    publish(story, "arrival", "lighthouse")

    with pytest.raises(Invalid) as error:
        services.production_update(production=story.production, actor=story.owner, start_episode=story.ep["fair"])

    assert set(error.value.fields["episodes"]) == {story.ep["arrival"].pk, story.ep["lighthouse"].pk}
    story.production.refresh_from_db()
    assert story.production.start_episode_id == story.ep["arrival"].pk


# --- Branches -------------------------------------------------------------------


def test_a_branch_joins_episodes_of_one_production(story):
    elsewhere = EpisodeFactory()

    with pytest.raises(Invalid) as error:
        services.branch_create(source=story.ep["fair"], target=elsewhere, actor=story.owner, label="Leave")

    assert "target" in error.value.fields
    assert not Branch.objects.filter(target=elsewhere).exists()


def test_the_database_refuses_a_branch_across_productions(story):
    elsewhere = EpisodeFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.create(source=story.ep["fair"], target=elsewhere, label="Leave")
    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.filter(pk=story.branch["stay"].pk).update(target=elsewhere)
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.filter(pk=story.ep["fair"].pk).update(production=elsewhere.production)
    assert Branch.objects.get(pk=story.branch["stay"].pk).target_id == story.ep["fair"].pk


def test_no_duplicate_branch_between_the_same_pair(story):
    with pytest.raises(Invalid) as error:
        services.branch_create(source=story.ep["arrival"], target=story.ep["fair"], actor=story.owner, label="Again")

    assert error.value.fields["episodes"] == [story.ep["arrival"].pk, story.ep["fair"].pk]
    assert Branch.objects.filter(source=story.ep["arrival"], target=story.ep["fair"]).count() == 1


def test_the_database_refuses_a_duplicate_pair_too(story):
    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.create(source=story.ep["arrival"], target=story.ep["fair"], label="Again")


def test_a_branch_that_would_loop_is_refused_naming_the_loop(story):
    ep = story.ep

    with pytest.raises(Invalid) as error:
        services.branch_create(source=ep["ending"], target=ep["arrival"], actor=story.owner, label="Again!")

    loop = [ep["ending"].pk, ep["arrival"].pk, ep["lighthouse"].pk]
    assert error.value.fields["episodes"] == loop
    assert "«The Keeper's Return» → «Arrival» → «The Lighthouse» → «The Keeper's Return»" in error.value.message
    assert not Branch.objects.filter(source=ep["ending"]).exists()


def test_a_branch_to_itself_is_a_loop(story):
    with pytest.raises(Invalid) as error:
        services.branch_create(source=story.ep["fair"], target=story.ep["fair"], actor=story.owner, label="Loop")

    assert error.value.fields["episodes"] == [story.ep["fair"].pk]


def test_one_default_per_source_a_new_default_replaces_the_old(story):
    stay = story.branch["stay"]

    services.branch_update(branch=stay, actor=story.owner, is_default=True)

    defaults = Branch.objects.filter(source=story.ep["arrival"], is_default=True)
    assert list(defaults.values_list("pk", flat=True)) == [stay.pk]


def test_the_database_refuses_a_second_default(story):
    extra = services.branch_create(source=story.ep["fair"], target=story.ep["ending"], actor=story.owner, label="x")
    Branch.objects.filter(pk=extra.pk).update(is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.create(source=story.ep["fair"], target=story.ep["lighthouse"], label="y", is_default=True)


def test_new_branches_go_last_in_display_order(story):
    extra = services.branch_create(
        source=story.ep["arrival"], target=story.ep["ending"], actor=story.owner, label="Skip"
    )

    order = list(Branch.objects.filter(source=story.ep["arrival"]).order_by("position", "id"))

    assert order[-1] == extra


def test_removing_a_branch_that_published_episodes_need_is_refused(story):
    publish(story, "arrival", "lighthouse")

    with pytest.raises(Invalid) as error:
        services.branch_delete(branch=story.branch["light"], actor=story.owner)

    assert error.value.fields["episodes"] == [story.ep["lighthouse"].pk]
    assert Branch.objects.filter(pk=story.branch["light"].pk).exists()
    services.branch_delete(branch=story.branch["stay"], actor=story.owner)  # the fair is a draft: fine
    assert not Branch.objects.filter(pk=story.branch["stay"].pk).exists()


# --- Publishing -----------------------------------------------------------------


def test_publishing_needs_a_start_episode(producer):
    production = ProductionFactory(owner=producer)
    episode = services.episode_create(production=production, actor=producer, title="Pilot", duration_seconds=60)

    with pytest.raises(Invalid) as error:
        services.episode_publish(episode=episode, actor=producer)

    assert "start_episode" in error.value.fields
    assert status_of(episode) == Status.DRAFT


def test_the_start_episode_publishes_first_then_what_it_reaches(story):
    with pytest.raises(Invalid) as error:
        services.episode_publish(episode=story.ep["lighthouse"], actor=story.owner)
    assert error.value.fields["episodes"] == [story.ep["lighthouse"].pk]
    assert "«The Lighthouse»" in error.value.message

    publish(story, "arrival", "lighthouse")

    assert status_of(story.ep["lighthouse"]) == Status.PUBLISHED
    assert story.ep["lighthouse"].published_at is not None


def test_an_episode_behind_an_unpublished_one_is_refused(story):
    publish(story, "arrival")

    with pytest.raises(Invalid) as error:
        services.episode_publish(episode=story.ep["ending"], actor=story.owner)

    assert error.value.fields["episodes"] == [story.ep["ending"].pk]
    assert status_of(story.ep["ending"]) == Status.DRAFT


def test_one_side_of_a_decision_may_stay_unpublished(story):
    publish(story, "arrival", "lighthouse", "ending")

    assert status_of(story.ep["fair"]) == Status.DRAFT
    assert status_of(story.ep["ending"]) == Status.PUBLISHED


def test_publishing_twice_changes_nothing(story):
    publish(story, "arrival")
    first = Episode.objects.get(pk=story.ep["arrival"].pk).published_at

    services.episode_publish(episode=story.ep["arrival"], actor=story.owner)

    assert Episode.objects.get(pk=story.ep["arrival"].pk).published_at == first


def test_a_loop_slipped_in_behind_the_services_is_refused_at_publish(story):
    ep = story.ep
    publish(story, "arrival", "lighthouse")
    Branch.objects.create(source=ep["ending"], target=ep["lighthouse"], label="Around again")  # e.g. raw SQL

    with pytest.raises(Invalid) as error:
        services.episode_publish(episode=ep["ending"], actor=story.owner)

    assert set(error.value.fields["episodes"]) == {ep["lighthouse"].pk, ep["ending"].pk}
    assert "loop" in error.value.message


def test_a_release_is_announced_after_commit(story, django_capture_on_commit_callbacks, group_listener):
    def act():
        with django_capture_on_commit_callbacks(execute=True):
            publish(story, "arrival")

    received = group_listener(f"production.{story.production.pk}", act)

    assert len(received) == 1
    assert received[0]["type"] == "episode.released"
    assert received[0]["episode"]["id"] == story.ep["arrival"].pk
    assert received[0]["episode"]["status"] == "published"


def test_a_refused_publish_announces_nothing(story, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Invalid):
        services.episode_publish(episode=story.ep["fair"], actor=story.owner)

    assert callbacks == []


# --- Scheduling -----------------------------------------------------------------


def test_schedule_in_the_future_then_release_when_due(story):
    publish(story, "arrival")
    soon = timezone.now() + timedelta(minutes=5)

    services.episode_schedule(episode=story.ep["fair"], release_at=soon, actor=story.owner)

    assert status_of(story.ep["fair"]) == Status.SCHEDULED
    assert services.episodes_release_due(now=soon - timedelta(seconds=1)) == []
    assert services.episodes_release_due(now=soon) == [story.ep["fair"].pk]
    assert status_of(story.ep["fair"]) == Status.PUBLISHED
    assert services.episodes_release_due(now=soon + timedelta(minutes=1)) == []  # exactly once


def test_a_release_time_must_be_in_the_future(story):
    with pytest.raises(Invalid) as error:
        services.episode_schedule(
            episode=story.ep["arrival"], release_at=timezone.now() - timedelta(minutes=1), actor=story.owner
        )
    assert "release_at" in error.value.fields


def test_a_published_episode_cannot_be_scheduled_or_unpublished(story):
    publish(story, "arrival")
    later = timezone.now() + timedelta(hours=1)

    with pytest.raises(Conflict):
        services.episode_schedule(episode=story.ep["arrival"], release_at=later, actor=story.owner)
    with pytest.raises(Conflict):
        services.episode_unpublish(episode=story.ep["arrival"], actor=story.owner)
    assert status_of(story.ep["arrival"]) == Status.PUBLISHED


def test_a_chain_can_be_scheduled_in_order_but_not_out_of_order(story):
    now = timezone.now()
    publish(story, "arrival")
    services.episode_schedule(episode=story.ep["lighthouse"], release_at=now + timedelta(hours=1), actor=story.owner)

    with pytest.raises(Invalid) as error:
        services.episode_schedule(episode=story.ep["ending"], release_at=now + timedelta(minutes=30), actor=story.owner)
    assert error.value.fields["episodes"] == [story.ep["ending"].pk]

    services.episode_schedule(episode=story.ep["ending"], release_at=now + timedelta(hours=1), actor=story.owner)
    assert services.episodes_release_due(now=now + timedelta(hours=1)) == [
        story.ep["lighthouse"].pk,
        story.ep["ending"].pk,
    ]


def test_rescheduling_or_unscheduling_a_needed_episode_is_refused(story):
    now = timezone.now()
    publish(story, "arrival")
    services.episode_schedule(episode=story.ep["lighthouse"], release_at=now + timedelta(hours=1), actor=story.owner)
    services.episode_schedule(episode=story.ep["ending"], release_at=now + timedelta(hours=2), actor=story.owner)

    with pytest.raises(Invalid) as later:
        services.episode_schedule(
            episode=story.ep["lighthouse"], release_at=now + timedelta(hours=3), actor=story.owner
        )
    with pytest.raises(Invalid) as back:
        services.episode_unpublish(episode=story.ep["lighthouse"], actor=story.owner)

    assert later.value.fields["episodes"] == back.value.fields["episodes"] == [story.ep["ending"].pk]
    services.episode_unpublish(episode=story.ep["ending"], actor=story.owner)
    services.episode_unpublish(episode=story.ep["lighthouse"], actor=story.owner)
    assert status_of(story.ep["lighthouse"]) == Status.DRAFT


def test_publishing_now_a_scheduled_episode_releases_it_early(story):
    publish(story, "arrival")
    services.episode_schedule(
        episode=story.ep["fair"], release_at=timezone.now() + timedelta(days=1), actor=story.owner
    )

    services.episode_publish(episode=story.ep["fair"], actor=story.owner)

    assert status_of(story.ep["fair"]) == Status.PUBLISHED
    assert story.ep["fair"].release_at is None  # the plan is moot once released
    assert services.episodes_release_due(now=timezone.now() + timedelta(days=2)) == []


def test_a_due_episode_made_unreachable_behind_the_services_goes_back_to_draft(story):
    now = timezone.now()
    publish(story, "arrival")
    services.episode_schedule(episode=story.ep["fair"], release_at=now + timedelta(minutes=1), actor=story.owner)
    Branch.objects.filter(pk=story.branch["stay"].pk).delete()  # e.g. an admin bypassing the services

    assert services.episodes_release_due(now=now + timedelta(minutes=2)) == []
    assert status_of(story.ep["fair"]) == Status.DRAFT


def test_due_releases_are_announced(story, django_capture_on_commit_callbacks, group_listener):
    now = timezone.now()
    publish(story, "arrival")
    for key in ("lighthouse", "fair"):
        services.episode_schedule(episode=story.ep[key], release_at=now + timedelta(minutes=1), actor=story.owner)

    def act():
        with django_capture_on_commit_callbacks(execute=True):
            services.episodes_release_due(now=now + timedelta(minutes=1))

    received = group_listener(f"production.{story.production.pk}", act, expect=2)

    assert sorted(m["episode"]["id"] for m in received) == [story.ep["lighthouse"].pk, story.ep["fair"].pk]


# --- Ownership ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda s, u: services.production_update(production=s.production, actor=u, title="Mine now"),
        lambda s, u: services.episode_create(production=s.production, actor=u, title="X", duration_seconds=5),
        lambda s, u: services.episode_update(episode=s.ep["fair"], actor=u, title="X"),
        lambda s, u: services.branch_create(source=s.ep["fair"], target=s.ep["ending"], actor=u, label="X"),
        lambda s, u: services.branch_update(branch=s.branch["stay"], actor=u, label="X"),
        lambda s, u: services.branch_delete(branch=s.branch["stay"], actor=u),
        lambda s, u: services.episode_publish(episode=s.ep["arrival"], actor=u),
        lambda s, u: services.episode_schedule(
            episode=s.ep["arrival"], release_at=timezone.now() + timedelta(days=1), actor=u
        ),
        lambda s, u: services.episode_unpublish(episode=s.ep["arrival"], actor=u),
    ],
    ids=[
        "production_update",
        "episode_create",
        "episode_update",
        "branch_create",
        "branch_update",
        "branch_delete",
        "episode_publish",
        "episode_schedule",
        "episode_unpublish",
    ],
)
def test_only_the_owner_or_a_superuser_changes_a_production(story, other_producer, superuser, call):
    def snapshot():
        return sorted(Episode.objects.values_list("title", "status")), sorted(Branch.objects.values_list("label"))

    before = snapshot()

    with pytest.raises(Forbidden):
        call(story, other_producer)

    assert snapshot() == before
    call(story, superuser)  # superusers may do everything


def test_the_platform_itself_may_publish(story):
    services.episode_publish(episode=story.ep["arrival"], actor=None)

    assert status_of(story.ep["arrival"]) == Status.PUBLISHED
