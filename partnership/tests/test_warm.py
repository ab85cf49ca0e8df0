"""A process that serves the portal settles once it has loaded it."""

import gc
import runpy
import sys
from pathlib import Path

from partnership import warm

GUNICORN_CONFIG = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_settling_imports_the_brokers_transport_and_freezes_what_is_loaded(monkeypatch):
    monkeypatch.delitem(sys.modules, "kombu.transport.redis", raising=False)
    try:
        warm.settle_after_start()
        assert "kombu.transport.redis" in sys.modules
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_each_web_worker_settles_after_loading_the_portal(monkeypatch):
    calls = []
    monkeypatch.setattr(warm, "settle_after_start", lambda: calls.append("settled"))
    config = runpy.run_path(str(GUNICORN_CONFIG))

    config["post_worker_init"](worker=None)

    assert calls == ["settled"]
