"""The benchmark's dataset, built in the database by set-based inserts.

At full scale ("ten times national"): 1,000,000 referrals over five years, 5,000
organisations, 20,000 services and 2,000 agreements, with the skew of the real field: a
few large providers run many services, a few services take most referrals, accommodation
and recovery are the busiest categories, and demand grows year on year. Every row is made
by `INSERT … SELECT` over `generate_series` in batches (the referrals in batches of
50,000, with a progress bar), so nothing is built row by row in Python.

The dataset lives in a database of its own; `bench_dataset` records what was built, so a
second run at the same scale reuses it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from psycopg2 import sql

from tooling.bench.progress import Progress

# Bump when the shape of the generated data changes, so old datasets are rebuilt.
DATASET_VERSION = 7
REFERRAL_BATCH = 50_000
YEARS = 5

FULL = {"organisations": 5_000, "services": 20_000, "agreements": 2_000, "referrals": 1_000_000}
MINIMUM = {"organisations": 4, "services": 12, "agreements": 3, "referrals": 400}
SCALES = {"full": 1.0, "tenth": 0.1, "small": 0.002}

# Category slugs in the order of their share of services (heaviest first) and weights.
CATEGORY_WEIGHTS = [
    ("accommodation", 18),
    ("dependency-recovery", 16),
    ("education-training-employment", 14),
    ("emotional-wellbeing", 10),
    ("mentoring", 8),
    ("womens-services", 8),
    ("finance-benefit-debt", 8),
    ("family-significant-others", 6),
    ("lifestyle-associates", 6),
    ("social-inclusion", 6),
]
# What services of each category are called, so free-text search finds realistic subsets.
CATEGORY_NOUNS = {
    "accommodation": ["Housing support", "Supported accommodation", "Tenancy sustainment"],
    "dependency-recovery": ["Recovery support", "Alcohol and drug service", "Peer recovery"],
    "education-training-employment": ["Employment support", "Skills and training", "Job coaching"],
    "emotional-wellbeing": ["Wellbeing service", "Counselling", "Mental health support"],
    "mentoring": ["Mentoring", "Peer mentoring", "Through the gate mentoring"],
    "womens-services": ["Women's centre", "Women's support", "Trauma-informed women's service"],
    "finance-benefit-debt": ["Debt advice", "Benefits advice", "Money management"],
    "family-significant-others": ["Family support", "Parenting programme", "Family mediation"],
    "lifestyle-associates": ["Positive lifestyles", "Sport and activity", "Associates programme"],
    "social-inclusion": ["Community connections", "Social inclusion", "Digital inclusion"],
}
ORGANISATION_WORDS = [
    "Northern", "Southern", "Riverside", "Harbour", "Hillside", "Bridge", "Beacon", "Compass",
    "Anchor", "Cornerstone", "Pathways", "Horizons", "Open Door", "New Leaf", "Second Chance",
    "Lighthouse", "Oakwood", "Meadow", "Foundry", "Millstone",
]  # fmt: skip
ORGANISATION_KINDS = ["Trust", "Project", "Partnership", "Foundation", "Network", "Centre"]
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Chris", "Jamie", "Taylor", "Morgan", "Casey", "Robin",
               "Lee", "Aisha", "Omar", "Priya", "Kwame", "Zofia", "Liam", "Chloe", "Dylan",
               "Megan", "Kieran"]  # fmt: skip
LAST_NAMES = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson",
              "Thomas", "Johnson", "Roberts", "Walker", "Wright", "Robinson", "Thompson",
              "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Lewis",
              "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott", "Cooper",
              "Morris", "Ward", "Moore", "King", "Watson", "Baker"]  # fmt: skip

# The portal's tables the build inserts into (its working tables aside).
FILLED_TABLES = (
    "partnership_commissioningbody",
    "partnership_commissioningbody_regions",
    "providers_organisation",
    "partnership_user",
    "providers_service",
    "providers_service_categories",
    "providers_service_pdus",
    "commissioning_fundinground",
    "commissioning_fundinground_regions",
    "commissioning_lot",
    "commissioning_application",
    "commissioning_agreement",
    "commissioning_agreementservice",
    "referrals_referral",
    "referrals_riskinformation",
    "referrals_referralevent",
    "referrals_session",
    "referrals_riskdocument",
    "partnership_notification",
)
META_TABLE = "bench_dataset"
BENCH_EMAIL_DOMAIN = "bench.invalid"


@dataclass(frozen=True)
class Sizes:
    organisations: int
    services: int
    agreements: int
    referrals: int

    @property
    def practitioners(self) -> int:
        return max(250, self.referrals // 200)


def parse_scale(scale: str | float) -> tuple[str, float]:
    """A named scale (full, tenth, small) or a factor of the full dataset."""
    if isinstance(scale, str) and scale in SCALES:
        return scale, SCALES[scale]
    try:
        factor = float(scale)
    except (TypeError, ValueError) as exc:
        names = ", ".join(SCALES)
        raise ValueError(f"A scale is one of {names} or a number such as 0.01") from exc
    if not 0 < factor <= 1:
        raise ValueError("A scale factor is more than 0 and at most 1")
    return f"{factor:g}", factor


def sizes_for(factor: float) -> Sizes:
    return Sizes(**{name: max(MINIMUM[name], round(FULL[name] * factor)) for name in FULL})


# Building ---------------------------------------------------------------------------------


def recorded() -> dict | None:
    """What the database holds, as recorded when it was built, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def is_current(record: dict | None, sizes: Sizes) -> bool:
    return bool(
        record and record.get("version") == DATASET_VERSION and record.get("sizes") == asdict(sizes)
    )


def build(sizes: Sizes, progress: Progress, *, now: datetime | None = None) -> dict:
    """Fill an empty, migrated database with the dataset; returns what was recorded."""
    now = now or timezone.now()
    started = time.monotonic()
    with connection.cursor() as cursor, _without_triggers(cursor):
        steps = [
            ("reference", _reference_tables),
            ("commissioning bodies", _commissioning_bodies),
            ("organisations", _organisations),
            ("users", _users),
            ("services", _services),
            ("funding and agreements", _agreements),
            ("published grants", _published_grants),
        ]
        for label, step in steps:
            step(cursor, sizes, now)
            progress.say(f"  built {label} ({time.monotonic() - started:.1f}s)")
        _referrals(cursor, sizes, now, progress)
        _search_documents(cursor, sizes, progress)
        _activity(cursor, now)
        progress.say(
            f"  built timelines, sessions, documents and notifications "
            f"({time.monotonic() - started:.1f}s)"
        )
        # As a live database's autovacuum leaves it: statistics current, and the visibility
        # map set, so that the covering indexes answer without reading the tables.
        progress.say("  vacuuming and analysing tables")
        cursor.execute("VACUUM ANALYZE")
        record = {
            "version": DATASET_VERSION,
            "sizes": asdict(sizes),
            "counts": counts(cursor),
            "built_at": now.isoformat(),
            "build_seconds": round(time.monotonic() - started, 1),
        }
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES ('dataset', %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(record)],
        )
    return record


def counts(cursor) -> dict[str, int]:
    """Rows in the tables the scenarios read."""
    tables = {
        "referrals": "referrals_referral",
        "organisations": "providers_organisation",
        "services": "providers_service",
        "agreements": "commissioning_agreement",
        "users": "partnership_user",
        "events": "referrals_referralevent",
        "sessions": "referrals_session",
        "documents": "referrals_riskdocument",
        "notifications": "partnership_notification",
    }
    result = {}
    for name, table in tables.items():
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
        result[name] = cursor.fetchone()[0]
    return result


@contextmanager
def _without_triggers(cursor) -> Iterator[None]:
    """Skip the history triggers while loading generated rows: they would record a million
    rows that no scenario reads, and the data is consistent by construction.

    A superuser skips every row trigger for the session (foreign-key checks too). The owner
    role, which `manage.py bench` runs as, disables the enabled user triggers of the tables
    the build fills, and enables those again afterwards, whatever happens."""
    if _is_superuser(cursor):
        cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        return
    cursor.execute(
        """
        SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND t.tgenabled = 'O' AND c.relname = ANY(%s)
          AND c.relnamespace = 'public'::regnamespace
        ORDER BY 1, 2
        """,
        [list(FILLED_TABLES)],
    )
    triggers = cursor.fetchall()
    for table, trigger in triggers:
        cursor.execute(
            sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                sql.Identifier(table), sql.Identifier(trigger)
            )
        )
    try:
        yield
    finally:
        for table, trigger in triggers:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(
                    sql.Identifier(table), sql.Identifier(trigger)
                )
            )


def _is_superuser(cursor) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def _reference_tables(cursor, sizes: Sizes, now: datetime) -> None:
    """Working tables of positions: PDUs with their region, categories by weight."""
    cursor.execute(
        """
        DROP TABLE IF EXISTS bench_pdu, bench_category, bench_service, bench_practitioner;
        CREATE UNLOGGED TABLE bench_pdu AS
            SELECT row_number() OVER (ORDER BY p.id)::int AS pos, p.id AS pdu_id, p.name,
                   p.region_id,
                   row_number() OVER (PARTITION BY p.region_id ORDER BY p.id)::int AS pos_in_region,
                   count(*) OVER (PARTITION BY p.region_id)::int AS region_pdus
            FROM partnership_pdu p;
        CREATE INDEX ON bench_pdu (region_id, pos_in_region);
        CREATE UNLOGGED TABLE bench_category (
            pos int PRIMARY KEY, category_id bigint, slug text, low float, high float,
            nouns text[]
        );
        """
    )
    total = sum(weight for _, weight in CATEGORY_WEIGHTS)
    low = 0.0
    for pos, (slug, weight) in enumerate(CATEGORY_WEIGHTS, start=1):
        high = low + weight / total
        cursor.execute(
            """
            INSERT INTO bench_category (pos, category_id, slug, low, high, nouns)
            SELECT %s, id, slug, %s, %s, %s FROM partnership_servicecategory WHERE slug = %s
            """,
            [pos, low, 1.0 if pos == len(CATEGORY_WEIGHTS) else high, CATEGORY_NOUNS[slug], slug],
        )
        low = high


def _commissioning_bodies(cursor, sizes: Sizes, now: datetime) -> None:
    cursor.execute(
        """
        INSERT INTO partnership_commissioningbody (name, kind, org_id)
        SELECT 'HMPPS ' || r.name || ' (benchmark)', 'hmpps', '' FROM partnership_region r
        ORDER BY r.id;
        INSERT INTO partnership_commissioningbody_regions (commissioningbody_id, region_id)
        SELECT b.id, r.id FROM partnership_commissioningbody b
        JOIN partnership_region r ON b.name = 'HMPPS ' || r.name || ' (benchmark)';
        """
    )


def _organisations(cursor, sizes: Sizes, now: datetime) -> None:
    """Income falls off as a power law of rank: a handful of super-major providers, a long
    tail of small ones, as in the sector."""
    cursor.execute(
        """
        INSERT INTO providers_organisation (
            public_id, name, org_id, charity_number, company_number, legal_form, description,
            website, email, phone, annual_income, reach, populations_served,
            lived_experience_led, verification_status, verified_at, created_at, updated_at,
            head_office_region_id, verified_by_id)
        SELECT gen_random_uuid(),
               (%(words)s::text[])[1 + n %% array_length(%(words)s::text[], 1)] || ' '
                   || (%(kinds)s::text[])[1 + (n / 7) %% array_length(%(kinds)s::text[], 1)]
                   || ' ' || n,
               'GB-CHC-' || lpad(n::text, 7, '0'), lpad(n::text, 7, '0'), '', 'cio',
               'A voluntary organisation working with people on probation.', '', '', '',
               income,
               CASE WHEN n <= 20 THEN 'national' WHEN n <= 300 THEN 'regional' ELSE 'local' END,
               CASE WHEN n %% 9 = 0 THEN ARRAY['women'] WHEN n %% 11 = 0 THEN ARRAY['young_adults']
                    ELSE ARRAY[]::varchar[] END,
               n %% 5 = 0, 'verified', %(now)s, %(now)s, %(now)s,
               (SELECT id FROM partnership_region ORDER BY id OFFSET (n %% 12) LIMIT 1), NULL
        FROM (
            SELECT n, (floor(200000000 * power(n, -1.1)) + floor(random() * 5000))::bigint AS income
            FROM generate_series(1, %(count)s) n
        ) o
        ORDER BY n
        """,
        {"words": ORGANISATION_WORDS, "kinds": ORGANISATION_KINDS, "now": now,
         "count": sizes.organisations},
    )  # fmt: skip


def _users(cursor, sizes: Sizes, now: datetime) -> None:
    """Practitioners spread over the PDUs; an admin and a caseworker per organisation; a
    commissioner per commissioning body. None can sign in (no usable password)."""
    cursor.execute(
        """
        INSERT INTO partnership_user (password, is_superuser, email, full_name, role, is_active,
                                      is_staff, date_joined, pdu_id, phone)
        SELECT '!', false, 'practitioner-' || k || '@' || %(domain)s, 'Practitioner ' || k,
               'practitioner', true, false, %(now)s, p.pdu_id, ''
        FROM generate_series(1, %(count)s) k
        JOIN bench_pdu p ON p.pos = 1 + (k - 1) %% (SELECT count(*) FROM bench_pdu)
        ORDER BY k;

        CREATE UNLOGGED TABLE bench_practitioner AS
            SELECT p.pos, (row_number() OVER (PARTITION BY p.pos ORDER BY u.id) - 1)::int AS j,
                   u.id AS user_id, count(*) OVER (PARTITION BY p.pos)::int AS per_pdu
            FROM partnership_user u JOIN bench_pdu p ON p.pdu_id = u.pdu_id
            WHERE u.role = 'practitioner' AND u.email LIKE %(like)s;
        CREATE UNIQUE INDEX ON bench_practitioner (pos, j);

        INSERT INTO partnership_user (password, is_superuser, email, full_name, role, is_active,
                                      is_staff, date_joined, organisation_id, phone)
        SELECT '!', false, kind || '-' || o.id || '@' || %(domain)s,
               initcap(replace(kind, '-', ' ')) || ' ' || o.id,
               replace(kind, '-', '_'), true, false, %(now)s, o.id, ''
        FROM providers_organisation o CROSS JOIN (VALUES ('provider-admin'), ('caseworker')) k(kind)
        ORDER BY o.id, kind DESC;

        INSERT INTO partnership_user (password, is_superuser, email, full_name, role, is_active,
                                      is_staff, date_joined, commissioning_body_id, phone)
        SELECT '!', false, 'commissioner-' || b.id || '@' || %(domain)s, 'Commissioner ' || b.id,
               'commissioner', true, false, %(now)s, b.id, ''
        FROM partnership_commissioningbody b ORDER BY b.id;
        """,
        {"domain": BENCH_EMAIL_DOMAIN, "now": now, "count": sizes.practitioners,
         "like": f"%@{BENCH_EMAIL_DOMAIN}"},
    )  # fmt: skip


def _services(cursor, sizes: Sizes, now: datetime) -> None:
    """Every organisation runs one service; the rest go mostly to the largest. Each covers
    one to five PDUs of a region; names carry the category's words and the PDU's name."""
    cursor.execute(
        """
        CREATE UNLOGGED TABLE bench_service AS
        WITH plan AS (
            SELECT n,
                   CASE WHEN n <= %(orgs)s THEN n
                        ELSE 1 + floor(%(orgs)s * power(random(), 3))::int END AS org_n,
                   random() AS r_category, random() AS r_second, random() AS r_pdu,
                   random() AS r_status, random() AS r_noun
            FROM generate_series(1, %(count)s) n
        ), orgs AS (
            SELECT row_number() OVER (ORDER BY id)::int AS n, id, head_office_region_id
            FROM providers_organisation
        )
        SELECT plan.n, orgs.id AS organisation_id, c.category_id, c.slug,
               CASE WHEN plan.r_second < 0.3
                    THEN (SELECT category_id FROM bench_category
                          WHERE pos = 1 + (c.pos + floor(plan.r_second * 30)::int) %% 10)
               END AS second_category_id,
               p.pdu_id, p.pos AS pdu_pos, p.pos_in_region AS pdu_pos_in_region, p.name AS pdu_name,
               p.region_id,
               c.nouns[1 + floor(plan.r_noun * array_length(c.nouns, 1))::int] AS noun,
               CASE WHEN plan.r_status < 0.9 THEN 'active'
                    WHEN plan.r_status < 0.95 THEN 'paused' ELSE 'closed' END AS status,
               NULL::bigint AS id
        FROM plan
        JOIN orgs ON orgs.n = plan.org_n
        JOIN bench_category c ON plan.r_category >= c.low AND plan.r_category < c.high
        JOIN bench_pdu p ON p.region_id = orgs.head_office_region_id
             AND p.pos_in_region = 1 + floor(plan.r_pdu * p.region_pdus)::int;

        INSERT INTO providers_service (
            public_id, name, description, delivery_settings, delivery_modes, eligible_sex,
            minimum_age, maximum_age, referral_requirements, monthly_capacity, current_wait_days,
            status, search_document, created_at, updated_at, organisation_id, phone, languages)
        SELECT gen_random_uuid(), s.noun || ' ' || s.pdu_name,
               s.noun || ' for people on probation in ' || s.pdu_name
                   || ': assessment, one-to-one support and help to reach local services.',
               CASE WHEN s.n %% 4 = 0 THEN ARRAY['community', 'through_the_gate']
                    ELSE ARRAY['community'] END,
               ARRAY['in_person', 'phone'],
               CASE WHEN s.slug = 'womens-services' THEN 'female' ELSE 'any' END,
               18, NULL, ARRAY[]::varchar[],
               5 + (s.n::bigint * 7919) %% 46, (s.n::bigint * 104729) %% 40, s.status, NULL, %(now)s, %(now)s,
               s.organisation_id, '', ARRAY[]::varchar[]
        FROM bench_service s ORDER BY s.n;

        UPDATE bench_service b SET id = s.id
        FROM (SELECT id, row_number() OVER (ORDER BY id)::int AS n FROM providers_service) s
        WHERE s.n = b.n;
        CREATE UNIQUE INDEX ON bench_service (n);

        INSERT INTO providers_service_categories (service_id, servicecategory_id)
        SELECT id, category_id FROM bench_service
        UNION SELECT id, second_category_id FROM bench_service WHERE second_category_id IS NOT NULL;

        INSERT INTO providers_service_pdus (service_id, pdu_id)
        SELECT DISTINCT s.id, p.pdu_id
        FROM bench_service s
        JOIN bench_pdu p ON p.region_id = s.region_id
             AND ((p.pos_in_region - s.pdu_pos_in_region) %% p.region_pdus + p.region_pdus)
                 %% p.region_pdus BETWEEN 0 AND (s.n %% 5);
        """,
        {"orgs": sizes.organisations, "count": sizes.services, "now": now},
    )


def _agreements(cursor, sizes: Sizes, now: datetime) -> None:
    """A round per region and year with a lot per category; each agreement funds a service
    of the organisation that won the lot, for two or three years, with a break clause."""
    first_year = now.year - YEARS + 1
    cursor.execute(
        """
        INSERT INTO commissioning_fundinground (
            public_id, title, description, mechanism, budget, consultation_opens_on, opens_on,
            closes_at, decision_by, minimum_agreement_months, break_clause_policy, status,
            created_at, created_by_id, lead_body_id)
        SELECT gen_random_uuid(), 'Rehabilitative services ' || y || ', ' || r.name,
               'Services for people on probation.', CASE WHEN y %% 2 = 0 THEN 'grant' ELSE 'contract' END,
               5000000, make_date(y - 1, 9, 1), make_date(y - 1, 10, 1),
               make_timestamptz(y - 1, 11, 1, 12, 0, 0, 'Europe/London'), make_date(y - 1, 12, 1),
               24, 'A break clause after the first year.', 'closed', %(now)s, u.id, b.id
        FROM generate_series(%(first_year)s, %(last_year)s) y
        CROSS JOIN partnership_region r
        JOIN partnership_commissioningbody_regions br ON br.region_id = r.id
        JOIN partnership_commissioningbody b ON b.id = br.commissioningbody_id
        JOIN partnership_user u ON u.commissioning_body_id = b.id AND u.role = 'commissioner'
        ORDER BY y, r.id;

        INSERT INTO commissioning_fundinground_regions (fundinground_id, region_id)
        SELECT f.id, br.region_id FROM commissioning_fundinground f
        JOIN partnership_commissioningbody_regions br ON br.commissioningbody_id = f.lead_body_id;

        INSERT INTO commissioning_lot (title, budget, expected_monthly_referrals, income_ceiling,
                                       category_id, funding_round_id)
        SELECT c.name, 500000, 20, NULL, c.id, f.id
        FROM commissioning_fundinground f CROSS JOIN partnership_servicecategory c;

        CREATE TEMP TABLE bench_agreement_plan AS
        SELECT DISTINCT ON (s.organisation_id, l.id)
               s.id AS service_id, s.organisation_id, l.id AS lot_id, start_on,
               (start_on + make_interval(months => 24 + 12 * (s.n %% 2)))::date AS end_on, r_rank
        FROM (
            SELECT 1 + floor(%(services)s * random())::int AS service_n,
                   make_date(%(first_year)s + floor(random() * %(years)s)::int,
                             1 + floor(random() * 12)::int, 1) AS start_on,
                   random() AS r_rank
            FROM generate_series(1, %(candidates)s)
        ) pick
        JOIN bench_service s ON s.n = pick.service_n
        JOIN commissioning_fundinground f ON f.lead_body_id = (
            SELECT commissioningbody_id FROM partnership_commissioningbody_regions
            WHERE region_id = s.region_id LIMIT 1)
            AND extract(year FROM f.closes_at)::int + 1 = extract(year FROM pick.start_on)::int
        JOIN commissioning_lot l ON l.funding_round_id = f.id AND l.category_id = s.category_id
        ORDER BY s.organisation_id, l.id, r_rank;

        DELETE FROM bench_agreement_plan WHERE r_rank > (
            SELECT coalesce(max(r_rank), 1) FROM (
                SELECT r_rank FROM bench_agreement_plan ORDER BY r_rank LIMIT %(count)s) kept);

        INSERT INTO commissioning_application (
            public_id, approach, experience, outcomes, amount_requested, proposed_monthly_capacity,
            staff_training_budget, status, feedback, created_at, submitted_at, created_by_id,
            organisation_id, lot_id)
        SELECT gen_random_uuid(), 'Our approach.', 'Our experience.', 'Our outcomes.', 250000, 20,
               5000, 'successful', 'Awarded.', %(now)s, %(now)s,
               (SELECT min(id) FROM partnership_user u
                WHERE u.organisation_id = p.organisation_id AND u.role = 'provider_admin'),
               p.organisation_id, p.lot_id
        FROM bench_agreement_plan p ORDER BY p.lot_id, p.organisation_id;

        INSERT INTO commissioning_agreement (
            public_id, mechanism, value, starts_on, ends_on, break_clause_dates, justification,
            status, created_at, organisation_id, application_id, lot_id)
        SELECT gen_random_uuid(), 'grant', 250000, p.start_on, p.end_on,
               ARRAY[(p.start_on + interval '12 months')::date], '',
               CASE WHEN p.start_on > %(today)s THEN 'mobilising'
                    WHEN p.end_on < %(today)s THEN 'ended' ELSE 'live' END,
               %(now)s, p.organisation_id, a.id, p.lot_id
        FROM bench_agreement_plan p
        JOIN commissioning_application a ON a.lot_id = p.lot_id AND a.organisation_id = p.organisation_id;

        INSERT INTO commissioning_agreementservice (contracted_monthly_referrals, agreement_id, service_id)
        SELECT 5 + (a.id * 31) %% 36, a.id, p.service_id
        FROM commissioning_agreement a
        JOIN commissioning_application ap ON ap.id = a.application_id
        JOIN bench_agreement_plan p ON p.lot_id = ap.lot_id AND p.organisation_id = ap.organisation_id;
        """,
        {"now": now, "today": timezone.localdate(now), "first_year": first_year - 1,
         "last_year": now.year, "years": YEARS, "services": sizes.services,
         "candidates": sizes.agreements * 2, "count": sizes.agreements},
    )  # fmt: skip


def _published_grants(cursor, sizes: Sizes, now: datetime) -> None:
    """The 360Giving grants of the grant rounds' awards, stored as each award's commit stores
    them in the portal, so the export reads what it would read there."""
    from commissioning.exports import record_grants

    record_grants()


def _referrals(cursor, sizes: Sizes, now: datetime, progress: Progress) -> None:
    """Referrals over five years, each with its risk information. A service's share falls
    off with its rank; demand grows towards today; older referrals are closed. Rows go in
    in the order they were sent, as in the live system, so recent ones share pages."""
    span_days = YEARS * 365.25
    batches = math.ceil(sizes.referrals / REFERRAL_BATCH)
    for batch in range(batches):
        low = batch * REFERRAL_BATCH + 1
        high = min(sizes.referrals, (batch + 1) * REFERRAL_BATCH)
        cursor.execute(
            """
            WITH g AS (
                SELECT i, random() AS r_service, random() AS r_age, random() AS r_status,
                       random() AS r_practitioner, random() AS r_decision
                FROM generate_series(%(low)s, %(high)s) i
            ), p AS (
                SELECT g.*, s.id AS service_id, s.organisation_id, s.pdu_id, s.pdu_pos, s.slug,
                       power(greatest(0, 1 - (g.i - g.r_age) / %(total)s), 1.3) * %(span)s
                           AS age_days
                FROM g JOIN bench_service s
                     ON s.n = 1 + floor(%(services)s * power(g.r_service, 2.2))::int
            ), q AS (
                SELECT p.*, %(now)s - p.age_days * interval '1 day' AS sent,
                       CASE
                         WHEN p.r_status < 0.01 THEN 'draft'
                         WHEN p.age_days < 30 THEN
                           CASE WHEN p.r_status < 0.35 THEN 'sent' WHEN p.r_status < 0.38 THEN 'returned'
                                WHEN p.r_status < 0.6 THEN 'accepted' WHEN p.r_status < 0.88 THEN 'in_progress'
                                WHEN p.r_status < 0.94 THEN 'declined' ELSE 'withdrawn' END
                         WHEN p.age_days < 180 THEN
                           CASE WHEN p.r_status < 0.3 THEN 'in_progress' WHEN p.r_status < 0.78 THEN 'completed'
                                WHEN p.r_status < 0.89 THEN 'declined' ELSE 'withdrawn' END
                         ELSE
                           CASE WHEN p.r_status < 0.72 THEN 'completed' WHEN p.r_status < 0.86 THEN 'declined'
                                ELSE 'withdrawn' END
                       END AS status
                FROM p
            ), ins AS (
                INSERT INTO referrals_referral (
                    public_id, reference, status, crn, first_name, last_name, date_of_birth, sex,
                    phone, address, setting, prison, expected_release_date, sentence_type,
                    sentence_end_date, rar_days, reason, accessibility_needs,
                    interpreter_language, availability, consent_basis, return_reason,
                    decline_reason, withdraw_reason, closing_note, idempotency_key, created_at,
                    updated_at, sent_at, decided_at, assigned_to_id, complexity_level_id, pdu_id,
                    practitioner_id, service_id, organisation_id, prefilled,
                    entered_by_hand_reason)
                SELECT gen_random_uuid(), 'BN-' || q.i, q.status,
                       chr(65 + ((q.i / 1000000) %% 26)::int) || lpad((q.i %% 1000000)::text, 6, '0'),
                       (%(first)s::text[])[1 + q.i %% array_length(%(first)s::text[], 1)],
                       (%(last)s::text[])[1 + q.i %% array_length(%(last)s::text[], 1)],
                       date '1960-01-01' + (q.i %% 14000)::int,
                       CASE WHEN q.slug = 'womens-services' OR q.i %% 6 = 0 THEN 'female' ELSE 'male' END,
                       '', '', 'community', '', NULL, 'Community order', NULL, 20,
                       'Needs support to settle and keep to the order.', '', '', '',
                       'consent', CASE WHEN q.status = 'returned' THEN 'Please add the risk summary.' ELSE '' END,
                       CASE WHEN q.status = 'declined' THEN 'no_capacity' ELSE '' END,
                       CASE WHEN q.status = 'withdrawn' THEN 'needs_met' ELSE '' END,
                       '', '', q.sent - interval '20 minutes',
                       CASE WHEN q.status IN ('draft', 'sent')
                            THEN q.sent ELSE least(%(now)s, q.sent + q.r_decision * interval '5 days') END,
                       CASE WHEN q.status = 'draft' THEN NULL ELSE q.sent END,
                       CASE WHEN q.status IN ('accepted', 'in_progress', 'completed', 'declined')
                            THEN least(%(now)s, q.sent + q.r_decision * interval '5 days') END,
                       NULL, NULL, q.pdu_id, pr.user_id, q.service_id, q.organisation_id,
                       '{}'::jsonb, ''
                FROM q
                JOIN bench_practitioner pr ON pr.pos = q.pdu_pos
                     AND pr.j = floor(q.r_practitioner * pr.per_pdu)::int
                ORDER BY q.i
                RETURNING id, sent_at
            )
            INSERT INTO referrals_riskinformation (
                rosh_children, rosh_public, rosh_known_adult, rosh_staff, summary, risk_to_self,
                staff_safety, last_assessed_on, updated_at, referral_id, prefilled)
            SELECT (ARRAY['low', 'medium', 'high', 'very_high'])[1 + (ins.id %% 4)::int], 'medium', 'low',
                   (ARRAY['low', 'medium', 'high'])[1 + (ins.id %% 3)::int],
                   'Risk of harm to a former partner when drinking.', 'None known.',
                   'Meet in a public place for the first session.',
                   coalesce(ins.sent_at, %(now)s)::date - 30, coalesce(ins.sent_at, %(now)s), ins.id,
                   '{}'::jsonb
            FROM ins
            """,
            {"low": low, "high": high, "span": span_days, "services": sizes.services,
             "total": float(sizes.referrals),
             "now": now, "first": FIRST_NAMES, "last": LAST_NAMES},
        )  # fmt: skip
        progress.bar("referrals", high, sizes.referrals)


def _activity(cursor, now: datetime) -> None:
    """What a referral leaves behind as it goes: its timeline (started, sent, the decision,
    the assignment), sessions once it has started, a risk document for one in five, and the
    notifications each step sends (the provider's admin hears of each referral sent, the
    practitioner of each decision; read after a week). The alerts come from the monitoring
    run the benchmark times."""
    cursor.execute(
        """
        CREATE TEMP TABLE bench_admin AS
            SELECT organisation_id, min(id) AS user_id FROM partnership_user
            WHERE role = 'provider_admin' GROUP BY organisation_id;
        CREATE UNIQUE INDEX ON bench_admin (organisation_id);

        INSERT INTO referrals_referralevent (referral_id, kind, actor_id, at, from_status,
                                             to_status, note)
        SELECT r.id, 'created', r.practitioner_id, r.created_at, '', 'draft', ''
        FROM referrals_referral r
        UNION ALL
        SELECT r.id, 'send', r.practitioner_id, r.sent_at, 'draft', 'sent', ''
        FROM referrals_referral r WHERE r.sent_at IS NOT NULL
        UNION ALL
        SELECT r.id, CASE WHEN r.status = 'declined' THEN 'decline' ELSE 'accept' END,
               a.user_id, r.decided_at, 'sent',
               CASE WHEN r.status = 'declined' THEN 'declined' ELSE 'accepted' END, ''
        FROM referrals_referral r JOIN bench_admin a ON a.organisation_id = r.organisation_id
        WHERE r.decided_at IS NOT NULL
        UNION ALL
        SELECT r.id, 'assign', a.user_id, r.decided_at, '', '', ''
        FROM referrals_referral r JOIN bench_admin a ON a.organisation_id = r.organisation_id
        WHERE r.decided_at IS NOT NULL AND r.status IN ('in_progress', 'completed');

        INSERT INTO referrals_session (public_id, referral_id, kind, held_on, mode, attendance,
                                       engagement_notes, recorded_by_id, created_at)
        SELECT gen_random_uuid(), r.id, CASE WHEN k = 1 THEN 'first_contact' ELSE 'session' END,
               least(%(today)s, (r.decided_at + k * interval '9 days')::date),
               'in_person', CASE WHEN (r.id + k) %% 7 = 0 THEN 'did_not_attend' ELSE 'attended' END,
               'Engaged well.', a.user_id, least(%(now)s, r.decided_at + k * interval '9 days')
        FROM referrals_referral r
        JOIN bench_admin a ON a.organisation_id = r.organisation_id
        CROSS JOIN LATERAL generate_series(1, 1 + (r.id %% 4)::int) k
        WHERE r.status IN ('in_progress', 'completed');

        INSERT INTO referrals_riskdocument (public_id, referral_id, original_name, storage_name,
                                            content_type, size, sha256, uploaded_by_id,
                                            uploaded_at)
        SELECT gen_random_uuid(), r.id, 'risk-assessment.pdf', 'bench-' || r.id,
               'application/pdf', 120000, repeat('0', 64), r.practitioner_id, r.created_at
        FROM referrals_referral r WHERE r.id %% 5 = 0 AND r.sent_at IS NOT NULL;

        INSERT INTO partnership_notification (recipient_id, kind, title, body, link, dedupe_key,
                                              created_at, read_at, email_status, email_attempts)
        SELECT a.user_id, 'referral_sent', 'New referral ' || r.reference, '',
               '/referrals/' || r.public_id || '/', 'sent-' || r.id, r.sent_at,
               CASE WHEN r.sent_at < %(week_ago)s THEN r.sent_at + interval '1 day' END,
               'sent', 1
        FROM referrals_referral r JOIN bench_admin a ON a.organisation_id = r.organisation_id
        WHERE r.sent_at IS NOT NULL
        UNION ALL
        SELECT r.practitioner_id, 'referral_decided', 'Referral ' || r.reference || ' decided',
               '', '/referrals/' || r.public_id || '/', 'decided-' || r.id, r.decided_at,
               CASE WHEN r.decided_at < %(week_ago)s THEN r.decided_at + interval '1 day' END,
               'sent', 1
        FROM referrals_referral r WHERE r.decided_at IS NOT NULL;
        """,
        {"now": now, "today": timezone.localdate(now), "week_ago": now - timedelta(days=7)},
    )  # fmt: skip


def _search_documents(cursor, sizes: Sizes, progress: Progress) -> None:
    """The directory's search documents, by the same statement the portal uses."""
    from providers.services import service_search_refresh

    cursor.execute("SELECT id FROM providers_service ORDER BY id")
    ids = [row[0] for row in cursor.fetchall()]
    step = 5_000
    for start in range(0, len(ids), step):
        service_search_refresh(service_ids=ids[start : start + step])
        progress.bar("search documents", min(start + step, len(ids)), len(ids))
