"""`make load`: a bounded load test of the busiest API journeys against gunicorn.

`seed` makes the load test's own accounts, organisations and services; `locustfile` holds
the journeys; `runner` starts gunicorn and a Celery worker under the production settings,
runs locust for a fixed time and checks that every referral it sent was kept.
"""
