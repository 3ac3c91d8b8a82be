"""Pages of the screenings app (producer, organizer, box office)."""

from django.urls import path

import screenings.codes  # noqa: F401  (registers the <ticket_code:> converter)
from screenings.views import box_office, producer, public, twine

urlpatterns: list = [
    path("studio/", producer.studio, name="studio"),
    path("studio/import/", twine.twine_import, name="studio-twine-import"),
    path("productions/<int:production_id>/", producer.production_detail, name="production-detail"),
    path("productions/<int:production_id>/graph.svg", producer.production_graph, name="production-graph"),
    path("productions/<int:production_id>/settings/", producer.production_settings, name="production-settings"),
    path("productions/<int:production_id>/episodes/new/", producer.episode_create, name="production-episode-create"),
    path("productions/<int:production_id>/branches/new/", producer.branch_create, name="production-branch-create"),
    path("episodes/<int:episode_id>/", producer.episode_detail, name="episode-detail"),
    path("episodes/<int:episode_id>/edit/", producer.episode_edit, name="episode-edit"),
    path("episodes/<int:episode_id>/publish/", producer.episode_publish, name="episode-publish"),
    path("episodes/<int:episode_id>/unpublish/", producer.episode_unpublish, name="episode-unpublish"),
    path("branches/<int:branch_id>/edit/", producer.branch_edit, name="branch-edit"),
    path("branches/<int:branch_id>/delete/", producer.branch_delete, name="branch-delete"),
    path("box-office/", box_office.box_office, name="box-office"),
    path("box-office/venues/new/", box_office.venue_form, name="box-office-venue-new"),
    path("box-office/venues/<int:venue_id>/", box_office.venue_form, name="box-office-venue-edit"),
    path("box-office/screenings/new/", box_office.screening_new, name="box-office-screening-new"),
    path("box-office/screenings/<int:screening_id>/", box_office.screening_edit, name="box-office-screening-edit"),
    path(
        "box-office/screenings/<int:screening_id>/on-sale/",
        box_office.screening_on_sale_action,
        name="box-office-on-sale",
    ),
    path("box-office/screenings/<int:screening_id>/tickets/", box_office.screening_tickets, name="box-office-tickets"),
    path("box-office/screenings/<int:screening_id>/refund/", box_office.ticket_refund_action, name="box-office-refund"),
    path(
        "box-office/screenings/<int:screening_id>/cancel/", box_office.screening_cancel_action, name="box-office-cancel"
    ),
    path("box-office/screenings/<int:screening_id>/check-in/", box_office.check_in_page, name="box-office-check-in"),
    path(
        "box-office/screenings/<int:screening_id>/attendees.csv", box_office.attendees_csv, name="box-office-attendees"
    ),
    path("box-office/orders/<int:order_id>/", box_office.order_detail, name="box-office-order"),
    path("box-office/orders/<int:order_id>/resend/", box_office.order_resend, name="box-office-order-resend"),
    path("screenings/<int:screening_id>/", public.screening_page, name="screening"),
    path("t/<ticket_code:code>/", public.ticket_page, name="ticket"),
    # Order codes have the ticket codes' format, and their routes the same guessing limit.
    path("o/<ticket_code:code>/", public.order_page, name="order"),
    path("o/<ticket_code:code>/resend/", public.order_resend, name="order-resend"),
]
