# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_DEBUG=false \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/media

RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext curl \
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
CMD ["gunicorn", "wfs_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
