# The image every process of docker-compose.yml runs: gunicorn, daphne, the Celery worker and beat.

# The front-end libraries the static files are collected from (package-lock.json pins them).
FROM node:20-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /app

# mediapipe imports OpenCV's desktop build, which loads libGL and GLib even with no screen.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

# The runtime pins `make run` and the tests use, in a layer of their own so code changes reuse it.
COPY requirements/ requirements/
RUN pip install -r requirements/base.txt

COPY . .
COPY --from=assets /assets/node_modules node_modules/

# collectstatic reads settings but no server: the placeholder URLs keep the embedded servers from starting, and the
# key is set for this step alone, so the image holds no secret.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret \
    DATABASE_URL=postgresql://collectstatic@localhost/none REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput -v0

# The code stays root's and read-only; the app writes only under var/ (uploads in var/media, a volume in compose)
# and its home (gunicorn's control socket).
RUN groupadd --gid 10001 rewrapped \
    && useradd --uid 10001 --gid rewrapped --create-home --shell /usr/sbin/nologin rewrapped \
    && mkdir -p var/media \
    && chown -R rewrapped:rewrapped var
# Numeric, so an orchestrator can tell it is not root without reading /etc/passwd.
USER 10001:10001

EXPOSE 8000
CMD ["gunicorn", "rewrapped.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
