"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden with the usual GUNICORN_CMD_ARGS or on the command line.
"""

import multiprocessing
import os

bind = os.environ.get("SURVEYAPP_BIND", "0.0.0.0:8000")
# One process per core with two threads each (gthread): as many requests at once as the two
# sync workers per core before, but threaded workers keep connections alive between
# requests, which sync workers cannot, so a server-side client calling the API many times a
# second (or a load balancer pooling connections) pays no TCP handshake and no accept per
# request. On 2 cores this serves 1,000 personalization decisions/s with 1.25 (SQLite) to
# 1.4 (PostgreSQL) cores busy, load generator included (bench/personalization.py;
# bench/README.md, "Personalization decisions"); more threads per process only queue
# behind Python's GIL.
workers = int(os.environ.get("SURVEYAPP_WEB_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("SURVEYAPP_WEB_THREADS", 2))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then (bounded memory)
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("SURVEYAPP_TRUSTED_PROXIES", "127.0.0.1")
preload_app = False  # each worker opens its own database pool
