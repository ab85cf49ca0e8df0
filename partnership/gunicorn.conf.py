"""gunicorn's settings for every way the portal is served: `make run` (the launcher), the
image (Dockerfile, docker-compose.yml), the systemd unit (docs/deploy/) and the load test.

    gunicorn partnership.wsgi --config partnership/gunicorn.conf.py

Options on the command line win over these (the launcher and the load test pass --bind).

A slow client must cost a connection, not a worker. The worker is gthread with a deadline
on each request's reads that accepts only while it has a free thread
(partnership/gunicorn_worker.py says what stock gthread does with a trickling client); in
front of it, wherever it faces a network, a buffering proxy (nginx in docker-compose.yml)
hands gunicorn only whole requests.
"""

import os

wsgi_app = "partnership.wsgi:application"
# The loopback unless told otherwise: gunicorn's own default becomes 0.0.0.0 when PORT is set.
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]

worker_class = "partnership.gunicorn_worker.BoundedThreadWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads per worker: each request, and each client still sending one, holds a thread, and
# each thread may hold a database connection (workers x threads in all, within Postgres's
# max_connections of 100 beside the worker and beat).
threads = int(os.environ.get("WEB_THREADS", "16"))
# The most connections a worker keeps open (idle keep-alive ones included).
worker_connections = 1000

# A worker whose main loop is silent this long is killed and replaced (a request taking long
# does not silence it: the loop runs apart from the request threads).
timeout = 30
# On a restart or stop, requests in hand get this long to finish.
graceful_timeout = 20
# Idle keep-alive connections are closed after this (the proxy in front reuses its own).
keepalive = 5

# Request line and header limits (gunicorn's defaults, said here so that they are seen).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
# X-Forwarded-Proto and -For are believed from these addresses only: the loopback by
# default; the image sets FORWARDED_ALLOW_IPS for the proxy container in front.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def post_worker_init(worker):
    """Once a worker has loaded the portal (`partnership.warm.settle_after_start`)."""
    from partnership.warm import settle_after_start

    settle_after_start()
