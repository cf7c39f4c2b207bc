"""The columnar copy of the behavioural events (issue #22): Parquet files in the data
directory, read by DuckDB for event analytics (funnels, paths, sequences, click maps).

The OLTP database (SQLite or PostgreSQL) stays the system of record; this copy is
derived from it and can be deleted and rebuilt at any time (``surveyapp events sync``).

* ``store``: the files and their manifest, the incremental sync by event id, the
  consistency check that repairs what deletes and updates changed, and the erasure of a
  person's events from the files.
* ``analytics``: a DuckDB view over one workspace's files, used only when the copy has
  every event the database has (or has caught up before the query).
* ``tasks``: what the worker runs (``surveyapp.events.sync``, ``surveyapp.events.verify``).

Not an area of its own: the experiments area (the journeys pages) wires its tasks, beat
entries and commands.
"""
