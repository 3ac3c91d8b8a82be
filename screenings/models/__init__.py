"""Productions (the story graph) and screenings (venues, orders, tickets)."""

from .plays import Play
from .story import Branch, Episode, Production
from .ticketing import Order, Screening, Ticket, Venue

__all__ = ["Branch", "Episode", "Order", "Play", "Production", "Screening", "Ticket", "Venue"]
