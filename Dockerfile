# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_DEBUG=false \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/media

# gettext for the translations; pg_dump/pg_restore of the server's major version (docker-compose
# runs postgres:16; Debian bookworm ships 15, which refuses a 16 server) from the PostgreSQL apt
# repository, for manage.py backup and restore.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext curl ca-certificates \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
       > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client-16 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 wfs

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=wfs:wfs . .
# collectstatic needs settings that pass the production checks; these values exist only at build time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input \
    && python manage.py compilemessages --ignore '.venv/*' \
    && mkdir -p /app/media && chown -R wfs:wfs /app/media /app/staticfiles

USER wfs
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wfs_portal.wsgi"]
