"""The ceilings: the same answers as the portal's, each from one hand-written query.

These are what the stack can do with no framework in the way: psycopg2, one statement,
`json.dumps`. `application` serves the inbox ceiling over HTTP (under gunicorn, beside the
portal) and imports nothing of Django's.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs
from uuid import UUID

# A provider's inbox: referrals sent to its services, newest first, with every field the
# API's referral representation carries, desired outcomes in the same order. The related
# names are subqueries rather than joins, as in the portal's own statement: the fastest
# shape found (the planner has no join order to search), so the ceiling is the stack's best.
INBOX_SQL = """
SELECT r.public_id, r.reference, r.status,
       r.service_id, (SELECT s.name FROM providers_service s WHERE s.id = r.service_id),
       r.organisation_id,
       (SELECT o.name FROM providers_organisation o WHERE o.id = r.organisation_id),
       r.pdu_id, (SELECT p.name FROM partnership_pdu p WHERE p.id = r.pdu_id),
       (SELECT u.full_name FROM partnership_user u WHERE u.id = r.practitioner_id),
       (SELECT u.full_name FROM partnership_user u WHERE u.id = r.assigned_to_id),
       r.crn, r.first_name, r.last_name, r.date_of_birth, r.sex, r.phone, r.address,
       r.setting, r.prison, r.expected_release_date, r.sentence_type, r.sentence_end_date,
       r.rar_days, r.complexity_level_id, r.reason, r.accessibility_needs,
       r.interpreter_language, r.availability, r.consent_basis,
       ARRAY(SELECT d.desiredoutcome_id FROM referrals_referral_desired_outcomes d
             JOIN partnership_desiredoutcome outcome ON outcome.id = d.desiredoutcome_id
             JOIN partnership_servicecategory c ON c.id = outcome.category_id
             WHERE d.referral_id = r.id ORDER BY c.name, outcome.position),
       r.return_reason, r.decline_reason, r.withdraw_reason, r.closing_note,
       r.created_at, r.sent_at, r.decided_at, r.updated_at
FROM referrals_referral r
WHERE r.organisation_id = %s AND r.status = %s
ORDER BY r.created_at DESC, r.id DESC
LIMIT %s
"""
INBOX_FIELDS = [
    "id", "reference", "status", "service_id", "service_name", "organisation_id",
    "organisation_name", "pdu_id", "pdu_name", "practitioner", "assigned_to",
    "crn", "first_name", "last_name", "date_of_birth", "sex", "phone", "address", "setting",
    "prison", "expected_release_date", "sentence_type", "sentence_end_date", "rar_days",
    "complexity_level", "reason", "accessibility_needs", "interpreter_language",
    "availability", "consent_basis", "desired_outcomes", "return_reason", "decline_reason",
    "withdraw_reason", "closing_note", "created_at", "sent_at", "decided_at", "updated_at",
]  # fmt: skip

# The directory: visible services matching the words, covering the PDU, in the category,
# best match first (as `providers.selectors.service_search` orders them).
SEARCH_SQL = """
SELECT s.id, s.name, s.description, o.id, o.name,
       ARRAY(SELECT c.slug FROM providers_service_categories sc
             JOIN partnership_servicecategory c ON c.id = sc.servicecategory_id
             WHERE sc.service_id = s.id ORDER BY c.slug),
       ARRAY(SELECT sp.pdu_id FROM providers_service_pdus sp WHERE sp.service_id = s.id
             ORDER BY sp.pdu_id),
       s.delivery_settings, s.delivery_modes, s.eligible_sex, s.minimum_age, s.maximum_age,
       s.referral_requirements, s.monthly_capacity, s.current_wait_days, s.status, s.updated_at
FROM (
    SELECT s.id, ts_rank(s.search_document, query) AS rank
    FROM providers_service s, websearch_to_tsquery('english', %s) query
    WHERE s.search_document @@ query
      AND s.status IN ('active', 'paused')
      AND EXISTS (SELECT 1 FROM providers_service_pdus sp
                  WHERE sp.service_id = s.id AND sp.pdu_id = %s)
      AND EXISTS (SELECT 1 FROM providers_service_categories sc
                  JOIN partnership_servicecategory c ON c.id = sc.servicecategory_id
                  WHERE sc.service_id = s.id AND c.slug = %s)
) hit
JOIN providers_service s ON s.id = hit.id
JOIN providers_organisation o ON o.id = s.organisation_id
ORDER BY hit.rank DESC, s.current_wait_days, s.name, s.id
LIMIT %s
"""

# Every service's month: sent, accepted, active, and what agreements contract for it.
CAPACITY_SQL = """
SELECT s.id, s.monthly_capacity, funded.total,
       count(r.id) FILTER (WHERE r.sent_at >= %(start)s AND r.sent_at < %(end)s
                           AND r.status IN %(demand)s) AS sent,
       count(r.id) FILTER (WHERE r.decided_at >= %(start)s AND r.decided_at < %(end)s
                           AND r.status IN %(accepted)s) AS accepted,
       count(r.id) FILTER (WHERE r.status IN %(active)s) AS active
FROM providers_service s
LEFT JOIN referrals_referral r
       ON r.service_id = s.id
      AND (r.sent_at >= %(start)s OR r.decided_at >= %(start)s OR r.status IN %(active)s)
LEFT JOIN (
    SELECT l.service_id, sum(l.contracted_monthly_referrals) AS total
    FROM commissioning_agreementservice l
    JOIN commissioning_agreement a ON a.id = l.agreement_id
    WHERE a.status IN ('live', 'ended') AND a.starts_on < %(next)s AND a.ends_on >= %(first)s
    GROUP BY l.service_id
) funded ON funded.service_id = s.id
GROUP BY s.id, funded.total
"""


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Cannot write {type(value).__name__} as JSON")


def inbox_rows(cursor, organisation_id: int, status: str, limit: int = 25) -> list[dict]:
    cursor.execute(INBOX_SQL, [organisation_id, status, limit])
    return [dict(zip(INBOX_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def inbox_json(cursor, organisation_id: int, status: str, limit: int = 25) -> bytes:
    rows = inbox_rows(cursor, organisation_id, status, limit)
    return json.dumps({"results": rows}, default=_default).encode()


# WSGI ---------------------------------------------------------------------------------------

_local = threading.local()


def _cursor():
    conn = getattr(_local, "connection", None)
    if conn is None or conn.closed:
        import environ
        import psycopg2

        config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
        params = {
            "dbname": config["NAME"],
            "user": config.get("USER"),
            "password": config.get("PASSWORD"),
            "host": config.get("HOST"),
            "port": config.get("PORT"),
            **config.get("OPTIONS", {}),
        }
        conn = psycopg2.connect(**{key: value for key, value in params.items() if value})
        conn.autocommit = True
        _local.connection = conn
    return conn.cursor()


def application(environ, start_response):
    """GET /?organisation=<id>&status=<status>: the inbox page as JSON."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        organisation_id = int(query["organisation"][0])
        status = query.get("status", ["sent"])[0]
    except (KeyError, ValueError):
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"organisation is required"]
    with _cursor() as cursor:
        body = inbox_json(cursor, organisation_id, status)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
