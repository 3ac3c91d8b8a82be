"""Garbage collection for a server process that holds thousands of long-lived sockets.

CPython's collector scans every tracked object of the oldest generation in a full collection, and
starts one whenever that generation has grown by a quarter. A web process holds about 120 tracked
objects per idle socket: while 5,000 phones join it, full collections of up to 750,000 objects ran
eleven times and took 3.0–3.5 s of its 8.6 s of CPU (docs/performance.md), and one such pause stalls
every socket of the process for up to a second. So, once the application is loaded, what exists
then (Django, the apps, the URL patterns: about 108,000 objects) is moved out of the collector's
sight (gc.freeze), and full collections wait for far more allocations (the third threshold), while
the young generations are collected as usual, in small pauses.
"""

from __future__ import annotations

import gc

from django.core.exceptions import ImproperlyConfigured


def collector_tune(*, thresholds: list[int] | tuple[int, ...]) -> None:
    """Freeze what the loaded application holds and collect with `thresholds` (gc.set_threshold);
    no thresholds: Python's defaults, nothing frozen."""
    if not thresholds:
        return
    if len(thresholds) != 3 or not all(t > 0 for t in thresholds):
        raise ImproperlyConfigured(f"WEB_GC_THRESHOLDS takes three positive integers, not {thresholds!r}")
    gc.collect()  # what is garbage now is collected, not frozen
    gc.freeze()
    gc.set_threshold(*thresholds)
