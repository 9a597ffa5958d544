#!/bin/sh
# Start Lectern in a container: `migrate` (once, before the others), `web` (default), `worker` or
# `beat`; anything else is run as given.
set -eu

# Without SECRET_KEY, make one once and keep it on the data volume (settings read it through
# SECRET_KEY_FILE), so sessions survive restarts and `docker compose exec` commands see it too.
if [ -z "${SECRET_KEY:-}" ] && [ -n "${SECRET_KEY_FILE:-}" ] && [ ! -s "$SECRET_KEY_FILE" ]; then
    umask 077
    python -c "import secrets; print(secrets.token_urlsafe(50))" > "$SECRET_KEY_FILE"
fi

case "${1:-web}" in
    migrate)
        # One-shot (the `migrate` service, a Kubernetes Job): the schema, then the courses in
        # ./content. Imports take turns on a course (a database lock), so two at once are safe.
        python manage.py wait_for_services
        python manage.py migrate --noinput
        if [ "${LECTERN_IMPORT_ON_START:-true}" = "true" ]; then
            for course in content/*/course.toml; do
                [ -e "$course" ] || continue
                python manage.py import_course "$(dirname "$course")" \
                    || echo "Import of $(dirname "$course") failed; the site starts without it." >&2
            done
        fi
        ;;
    web)
        # gunicorn's master first waits (LECTERN_WAIT_SECONDS) for the database, Redis and
        # the migrate service's work (on_starting in platform/gunicorn.conf.py).
        exec gunicorn --config platform/gunicorn.conf.py config.wsgi:application
        ;;
    worker)
        python manage.py wait_for_services --migrations
        exec celery --app config worker --loglevel "${LOG_LEVEL:-INFO}" \
            --concurrency "${CELERY_CONCURRENCY:-2}"
        ;;
    beat)
        # One beat per site: it sends the sweeps (CELERY_BEAT_SCHEDULE) that queue again what a
        # fault lost. Its schedule state lives on the data volume.
        python manage.py wait_for_services --migrations
        exec celery --app config beat --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule /data/celerybeat-schedule
        ;;
    *)
        exec "$@"
        ;;
esac
