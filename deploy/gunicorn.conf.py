"""gunicorn settings for every deployment (compose, systemd, Procfile): `--config deploy/gunicorn.conf.py`.

Sized by environment: WEB_WORKERS (default 2 per core, docs/capacity.md), WEB_BIND.
"""

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", str(2 * multiprocessing.cpu_count())))
# Synchronous workers: a request holds one worker for its whole life, so size by cores.
worker_class = "sync"
# A worker's first screened text loads the risk model (12 s on a quiet machine, up to 85 s
# under load, issue #20): gunicorn's 30 s default killed workers mid-load in the load test.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory growth in long-lived processes), staggered.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Behind the TLS proxy on the same host or network (nginx, deploy/nginx-alliance.conf).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
