-- The portal's database roles and database, made or brought up to date (idempotent).
--
-- Run by a superuser with psql, the one place roles are provisioned: by the launcher and
-- the test suite (partnership/db_roles.py) and by the Postgres container's first start
-- (docker/postgres/10-roles.sh). Names come as psql variables, passwords from the
-- environment (never on a command line):
--
--   psql -v owner=partnership_owner -v app=partnership_app -v database=partnership \
--        -f partnership/db_roles.sql     # with PARTNERSHIP_OWNER_PASSWORD, PARTNERSHIP_APP_PASSWORD
--
-- The owner role owns the schema and every table: migrations, backup and restore, the
-- benchmark and load-test databases and the access log's retention run as it. The app role
-- (web, worker, beat, demo loader) owns nothing; the grants it gets on the tables are
-- applied after each migration by the owner (partnership/db_roles.py, grants_apply).

\set ON_ERROR_STOP on
\getenv owner_password PARTNERSHIP_OWNER_PASSWORD
\getenv app_password PARTNERSHIP_APP_PASSWORD
\if :{?owner_password}
\else
\set owner_password ''
\endif
\if :{?app_password}
\else
\set app_password ''
\endif

-- Roles: created when missing, their attributes set every time.
SELECT format('CREATE ROLE %I', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'app')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
-- The owner makes databases (the test, benchmark and load-test ones) and nothing more.
ALTER ROLE :"owner" LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;
-- The app role may not make databases or roles, nor inherit anyone's rights.
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
-- No JIT compiling for either: Postgres compiles a statement whose estimated cost passes
-- jit_above_cost, a second of compiling for statements that run in milliseconds here. Set
-- on the roles, so it holds through a pooler that refuses startup options.
ALTER ROLE :"owner" SET jit = off;
ALTER ROLE :"app" SET jit = off;
-- An index read costs the planner little more than a sequential one, as on SSDs with the
-- working set in memory (DATABASE_RANDOM_PAGE_COST in the settings, the same value): at
-- Postgres's default of 4, for spinning disks, it read every service to find a PDU's few
-- hundred.
ALTER ROLE :"owner" SET random_page_cost = 1.1;
ALTER ROLE :"app" SET random_page_cost = 1.1;
SELECT format('REVOKE %I FROM %I', :'owner', :'app')
WHERE pg_has_role(:'app', :'owner', 'MEMBER') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_password')
WHERE :'owner_password' <> '' \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_password')
WHERE :'app_password' <> '' \gexec

-- The database, owned by the owner role; only the two roles may connect.
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
ALTER DATABASE :"database" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app";

-- The portal's other databases (benchmark, load test) made earlier by a superuser are
-- handed to the owner too, so that it can replace them.
SELECT format('ALTER DATABASE %I OWNER TO %I', d.datname, :'owner')
FROM pg_database d
WHERE d.datname LIKE '%partnership%' AND NOT d.datistemplate
  AND d.datdba <> (SELECT oid FROM pg_roles WHERE rolname = :'owner') \gexec

\connect :"database"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- A database made earlier by another role (a superuser's `migrate`) is handed over whole,
-- so that the owner role can migrate it and nothing in it is owned by the superuser.
SELECT format(
    'ALTER %s %s OWNER TO %I',
    CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
        WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
    c.oid::regclass, :'owner')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
  -- A sequence that belongs to a column follows its table.
  AND NOT (c.relkind = 'S' AND EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.relkind DESC \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner')
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
  AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = :'owner')
  AND NOT EXISTS (
      SELECT FROM pg_depend d
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \gexec
