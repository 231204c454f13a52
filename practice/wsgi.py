import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
application = get_wsgi_application()

# Load the risk detector now, before the worker takes requests (about 1-2 s: numpy weights and
# the language identifier; no torch). With `gunicorn --preload` this runs once in the master and
# the workers share the pages after fork. If it fails, /health/ready says why and every client
# text is flagged for a person to review until it loads.
from insights.risk import embeddings_enabled, warm_up  # noqa: E402

if embeddings_enabled():
    warm_up()
