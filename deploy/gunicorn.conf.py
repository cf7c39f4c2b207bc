"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden with the usual GUNICORN_CMD_ARGS or on the command line.
"""

import multiprocessing
import os

bind = os.environ.get("SURVEYAPP_BIND", "0.0.0.0:8000")
# Sync workers: each request is short (the collection API does one INSERT); two per core.
workers = int(os.environ.get("SURVEYAPP_WEB_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then (bounded memory)
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("SURVEYAPP_TRUSTED_PROXIES", "127.0.0.1")
preload_app = False  # each worker opens its own database pool
