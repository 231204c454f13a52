import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
application = get_wsgi_application()


def _warm_risk_model() -> None:
    # Load the risk detector's embedding model once per web process, off the request path,
    # so the first client who writes something is not the one who waits for it. The rules
    # screen every text meanwhile; /health/ready reports when the model is loaded.
    from insights.risk import embeddings_enabled, warm_up

    if embeddings_enabled():
        warm_up()


threading.Thread(target=_warm_risk_model, name="risk-model-warm-up", daemon=True).start()
