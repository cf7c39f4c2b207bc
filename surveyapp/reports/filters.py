"""The report's filters, parsed once from the query string and applied to every panel.

Every panel (counts, per-question summaries, trends, themes, drivers, exports of a filtered
view, the live feed) builds its query from ``ReportFilter.where()``, so a filter can never
apply to one chart and silently not to another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict

from surveyapp.models import Contact, Response, Survey, SurveyVersion
from surveyapp.platform.inputs import MAX_ID  # a bigger id or version names nothing

MAX_ATTRIBUTE_FILTERS = 3


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class ReportFilter:
    """What a person narrowed the report to. Empty fields mean "everything"."""

    start: dt.date | None = None  # inclusive, UTC day
    end: dt.date | None = None  # inclusive, UTC day
    version: int | None = None  # version number
    locale: str = ""
    device: str = ""
    url: str = ""  # substring of the page URL the survey was answered on
    attributes: dict[str, str] = field(default_factory=dict)  # contact attribute = value
    segment_id: int | None = None  # a saved behavioural segment (surveyapp.models.segments)
    segment_label: str = ""  # its name, for people (set by the view)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: MultiDict[str, str] | dict[str, Any]) -> ReportFilter:
        get = args.get
        f = cls(start=_date(get("from")), end=_date(get("to")),
                locale=(get("locale") or "").strip()[:20], device=(get("device") or "").strip()[:20],
                url=(get("url") or "").strip()[:200])
        if get("from") and f.start is None:
            f.errors["from"] = "Use a date like 2026-01-31."
        if get("to") and f.end is None:
            f.errors["to"] = "Use a date like 2026-01-31."
        if f.start and f.end and f.start > f.end:
            f.errors["to"] = "The end date is before the start date."
            f.end = None
        version = (get("version") or "").strip()
        if version:
            if version.isascii() and version.isdigit() and int(version) <= MAX_ID:
                f.version = int(version)
            else:
                f.errors["version"] = "A version number."
        segment = (get("segment") or "").strip()
        if segment:
            if segment.isascii() and segment.isdigit() and int(segment) <= MAX_ID:
                f.segment_id = int(segment)
            else:
                f.errors["segment"] = "Choose a segment from the list."
        for i in range(MAX_ATTRIBUTE_FILTERS):
            key = (get(f"attr{i}") or "").strip()[:60]
            value = (get(f"val{i}") or "").strip()[:200]
            if key and value:
                f.attributes[key] = value
        return f

    def to_args(self) -> dict[str, str]:
        """The query string that reproduces this filter (links, share links, polling)."""
        out: dict[str, str] = {}
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        if self.version is not None:
            out["version"] = str(self.version)
        for name in ("locale", "device", "url"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.segment_id is not None:
            out["segment"] = str(self.segment_id)
        for i, (key, value) in enumerate(self.attributes.items()):
            out[f"attr{i}"], out[f"val{i}"] = key, value
        return out

    @property
    def active(self) -> bool:
        return bool(self.to_args())

    def describe(self) -> list[str]:
        """Human-readable chips: "from 2026-01-01", "plan = pro"."""
        parts = []
        if self.start:
            parts.append(f"from {self.start.isoformat()}")
        if self.end:
            parts.append(f"to {self.end.isoformat()}")
        if self.version is not None:
            parts.append(f"version {self.version}")
        for name in ("locale", "device"):
            if getattr(self, name):
                parts.append(f"{name} {getattr(self, name)}")
        if self.url:
            parts.append(f"URL contains “{self.url}”")
        parts += [f"{k} = {v}" for k, v in self.attributes.items()]
        if self.segment_id is not None:
            parts.append(f"segment {self.segment_label or '#' + str(self.segment_id)}")
        return parts

    def period(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """[start, end) as aware datetimes."""
        lo = dt.datetime.combine(self.start, dt.time(), dt.UTC) if self.start else None
        hi = (dt.datetime.combine(self.end, dt.time(), dt.UTC) + dt.timedelta(days=1)
              if self.end else None)
        return lo, hi

    def where(self, survey: Survey, *, dates: bool = True) -> list[ColumnElement[bool]]:
        """Conditions on ``Response`` (no joins needed: contact filters are EXISTS)."""
        conds: list[ColumnElement[bool]] = [Response.survey_id == survey.id]
        if dates:
            lo, hi = self.period()
            if lo is not None:
                conds.append(Response.created_at >= lo)
            if hi is not None:
                conds.append(Response.created_at < hi)
        if self.version is not None:
            conds.append(Response.version_id.in_(
                select(SurveyVersion.id).where(SurveyVersion.survey_id == survey.id,
                                               SurveyVersion.number == self.version)))
        if self.locale:
            conds.append(Response.meta["locale"].as_string() == self.locale)
        if self.device:
            conds.append(Response.meta["device"].as_string() == self.device)
        if self.url:
            conds.append(Response.meta["url"].as_string().contains(self.url, autoescape=True))
        if self.attributes:
            # An alias, so a breakdown that joins Contact itself still correlates correctly.
            c = aliased(Contact)
            attr_conds = [c.attributes[k].as_string() == v for k, v in self.attributes.items()]
            conds.append(exists().where(c.id == Response.contact_id, and_(*attr_conds))
                         .correlate_except(c))
        if self.segment_id is not None:
            from surveyapp.models.segments import Segment, SegmentMember

            # Only a segment of this survey's workspace; another's id matches nobody.
            conds.append(Response.contact_id.in_(
                select(SegmentMember.contact_id).join(Segment, Segment.id == SegmentMember.segment_id)
                .where(Segment.id == self.segment_id, Segment.workspace_id == survey.workspace_id)))
        return conds
