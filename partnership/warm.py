"""What a process that serves the portal does once it has loaded it, before its first
request: a web worker (`partnership/gunicorn.conf.py`), and the benchmark, which times the
pages as a worker serves them."""

import gc


def settle_after_start() -> None:
    """Import what the first request would otherwise wait for, then move everything loaded
    so far out of the collector's sight.

    Sending a referral queues a task, and kombu imports its Redis transport on first use
    (some 75 ms for the first request of each worker). And the cyclic collector's full
    collections walk every object alive, the tens of thousands that Django, DRF and the
    portal leave after start-up among them, adding 200-260 ms to whichever request sets one
    off; `gc.freeze()` keeps those objects out of every later collection."""
    import kombu.transport.redis  # noqa: F401 - imported for its side effect, now

    gc.collect()
    gc.freeze()
