"""Productions (the story graph) and screenings (venues, orders, tickets)."""

from .story import Branch, Episode, Production
from .ticketing import Order, Screening, Ticket, Venue

__all__ = ["Branch", "Episode", "Order", "Production", "Screening", "Ticket", "Venue"]
