import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lectern")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The periodic sweeps live beside each app's tasks (courses.sweeps, quizzes.sweeps).
app.autodiscover_tasks(related_name="sweeps")
