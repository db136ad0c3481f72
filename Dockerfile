# The production image: gunicorn (web), Celery worker and beat all run from it
# (docker-compose.yml). Build: docker build -t ecosystem .
FROM python:3.12-slim-bookworm

# PYTHONPATH: run the project from /app, where templates/ and static/ live beside the
# packages (not from the copy pip puts in site-packages).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# WeasyPrint renders every PDF: Pango, HarfBuzz's subsetter and a font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Static files get hashed names: whitenoise's manifest storage is on when DEBUG is off.
COPY . .
RUN pip install --no-deps . \
 && DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0 \
 && useradd --system --uid 1000 --create-home --home-dir /home/app app \
 && mkdir -p /app/media \
 && chown app:app /app/media

USER app
EXPOSE 8000
# Workers: WEB_CONCURRENCY (gunicorn reads it), default 1; set it to ~2 per CPU.
CMD ["gunicorn", "ecosystem.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
