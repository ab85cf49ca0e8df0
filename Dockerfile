# Production image: front-end assets built with Node, the portal served by gunicorn.

FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY assets ./assets
RUN npm run build

FROM python:3.11-slim AS portal
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=partnership.settings.production
RUN useradd --create-home --uid 10001 partnership
WORKDIR /app
COPY pyproject.toml ./
COPY partnership ./partnership
COPY providers ./providers
COPY commissioning ./commissioning
COPY referrals ./referrals
RUN pip install .
COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY --from=assets /app/static/build ./static/build
# collectstatic reads the front-end packages straight from node_modules (STATICFILES_DIRS).
COPY --from=assets /app/node_modules/govuk-frontend/dist ./node_modules/govuk-frontend/dist
COPY --from=assets /app/node_modules/@ministryofjustice/frontend/moj ./node_modules/@ministryofjustice/frontend/moj
# Settings need these to import; nothing connects while collecting static files.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://unused@localhost/unused REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --no-input -v 0 \
    && rm -rf node_modules \
    && mkdir -p /var/lib/partnership/private /var/lib/partnership/beat \
    && chown -R partnership:partnership /var/lib/partnership
ENV PRIVATE_MEDIA_ROOT=/var/lib/partnership/private
USER partnership
EXPOSE 8000
CMD ["gunicorn", "partnership.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-", "--forwarded-allow-ips", "*"]
