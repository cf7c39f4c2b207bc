"""Experiments, assignments, exposures and funnels (issue #9)."""

from __future__ import annotations
