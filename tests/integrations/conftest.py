"""The app served on loopback by a real HTTP server (werkzeug, threaded), so real client
libraries (segment-analytics-python, boto3, smtplib) talk to it over a socket."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The test's app at http://127.0.0.1:<port> (each request in its own context)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
