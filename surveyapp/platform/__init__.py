"""Plumbing every feature area shares; no area's own rules live here.

- ``wiring``: the one way an area registers anything with the app (blueprints, Celery
  tasks and beat entries, job handlers, erasers, demo seeders, CLI commands, session
  listeners), called from the area's ``init_app``. See docs/architecture.md.
- ``access``: workspace isolation and role checks (``workspace_view``, ``get_or_404_in``).
- ``web``: the workspace blueprint factory (the ``<slug>`` URL part) and ``start_job``.
"""
