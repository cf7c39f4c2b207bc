"""Consent records, notice versions and end-user self-service (issue #10)."""

from __future__ import annotations
