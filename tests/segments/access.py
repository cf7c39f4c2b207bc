"""Objects behind the segments area's URL arguments, for tests/test_access.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from surveyapp.models import Contact, utcnow
from surveyapp.models.segments import (
    DataImport,
    Persona,
    PersonaVersion,
    Segment,
    SegmentMember,
    SegmentRun,
)

ID_ARGS = {"run_id", "segment_id", "persona_id", "import_id"}


def make_objects(db, team, ids: dict[str, Any]) -> dict[str, int]:
    ws = team.workspace
    env = ws.environments[0]
    contact = Contact(environment_id=env.id, external_id=f"seg-{ws.slug}", attributes={})
    db.session.add(contact)
    run = SegmentRun(workspace_id=ws.id, environment_id=env.id, window_end=utcnow(),
                     status="ready", contacts=1, dendrogram_svg="<svg xmlns='http://www.w3.org/2000/svg'/>",
                     result={"contact_ids": [], "features": ["events"], "recommended": "kmeans",
                             "transforms": {"log1p": ["events"], "scale": "standard"},
                             "methods": {"kmeans": {"title": "k-means", "labels": [0],
                                                    "params": {"k": 2}, "candidates": [],
                                                    "metrics": {"clusters": 1, "silhouette": None,
                                                                "stability_ari": None,
                                                                "noise_share": 0.0, "sizes": [1],
                                                                "seconds": 0.1}}}})
    db.session.add(run)
    db.session.flush()
    seg = Segment(workspace_id=ws.id, run_id=run.id, key="acc", name="Access segment", size=1,
                  profile={"suppressed": True, "share": 1.0})
    db.session.add(seg)
    db.session.flush()
    db.session.add(SegmentMember(segment_id=seg.id, contact_id=contact.id))
    persona = Persona(workspace_id=ws.id, segment_id=seg.id, name="Access persona")
    db.session.add(persona)
    db.session.flush()
    db.session.add(PersonaVersion(persona_id=persona.id, version=1, content={"name": "Access persona"}))
    item = DataImport(workspace_id=ws.id, environment_id=env.id, kind="events",
                      filename="events.csv", file_format="csv", status="failed",
                      errors={"message": "bad", "rows": [{"row": 2, "column": "timestamp",
                                                          "message": "required"}]})
    db.session.add(item)
    db.session.flush()
    return {"run_id": run.id, "segment_id": seg.id, "persona_id": persona.id,
            "import_id": item.id}


def snapshot(db) -> dict[str, Any]:
    db.session.expire_all()
    return {
        "segment_runs": sorted((r.id, r.status) for r in db.session.scalars(select(SegmentRun))),
        "personas": sorted((p.id, p.name, p.version) for p in db.session.scalars(select(Persona))),
        "imports": sorted((i.id, i.status) for i in db.session.scalars(select(DataImport))),
        "segments": sorted((s.id, s.key) for s in db.session.scalars(select(Segment))),
    }
