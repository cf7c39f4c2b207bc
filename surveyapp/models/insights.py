"""Goals, hypotheses, notes, webhooks, share links and server-API reads (issue #8)."""

from __future__ import annotations
