"""The admin keeps the graph rules: branches are checked, publishing goes through the services."""

import pytest

from screenings.models import Branch, Episode
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_every_story_model_is_in_the_admin(admin_client, story):
    for model in ("production", "episode", "branch"):
        assert admin_client.get(f"/admin/screenings/{model}/").status_code == 200
    assert admin_client.get(f"/admin/screenings/production/{story.production.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/screenings/episode/{story.ep['fair'].pk}/change/").status_code == 200


def test_the_admin_refuses_a_branch_that_loops(admin_client, story):
    response = admin_client.post(
        "/admin/screenings/branch/add/",
        {"source": story.ep["ending"].pk, "target": story.ep["arrival"].pk, "label": "Again", "position": 0},
    )

    assert response.status_code == 200
    assert "would make the story loop" in response.content.decode()
    assert not Branch.objects.filter(source=story.ep["ending"]).exists()


def test_the_admin_publish_action_applies_the_graph_rules(admin_client, story):
    ids = [story.ep["arrival"].pk, story.ep["ending"].pk]

    response = admin_client.post(
        "/admin/screenings/episode/", {"action": "publish_now", "_selected_action": ids}, follow=True
    )

    statuses = dict(Episode.objects.filter(pk__in=ids).values_list("title", "status"))
    assert statuses == {"Arrival": "published", "The Keeper's Return": "draft"}
    assert "cannot reach" in response.content.decode()
