"""Behavioural segments, segment runs, personas and imports (issue #7)."""

from __future__ import annotations
