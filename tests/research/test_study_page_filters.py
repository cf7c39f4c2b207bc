"""The study page's passages filtered by source and speaker (issue 21, item 7), on a real
transcript (The Changelog #230, CC BY-SA 4.0) beside a second source."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from surveyapp.models.research import Passage, Study, StudySource
from surveyapp.research import queries
from tests.research.test_research import make_study, researcher, upload  # noqa: F401

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "research"


def speakers_shown(page: str) -> list[str]:
    section = page[page.index('id="passages"'):]
    return re.findall(r'<li id="passage-\d+" data-passage="\d+">\s*<p><strong>([^<]+)</strong>', section)


def test_passages_filter_by_source_and_speaker_and_pages_keep_the_filter(db, researcher, team, monkeypatch):  # noqa: F811
    slug = team.workspace.slug
    make_study(researcher, slug)
    study = db.session.scalar(select(Study))
    url = f"/w/{slug}/research/{study.id}/sources"
    upload(researcher, url, "file", "changelog-230.md", (FIXTURES / "changelog-230-excerpt.md").read_bytes())
    upload(researcher, url, "file", "rev.txt", (FIXTURES / "made-here-rev-changelog.txt").read_bytes())
    episode, rev = db.session.scalars(select(StudySource).order_by(StudySource.id)).all()
    base = f"/w/{slug}/research/{study.id}"

    page = researcher.get(f"{base}?speaker=Hillary+Hartley").get_data(as_text=True)
    hillary = db.session.scalars(select(Passage).where(Passage.speaker == "Hillary Hartley")).all()
    assert set(speakers_shown(page)) == {"Hillary Hartley"}
    assert f"{len(hillary)} passages spoken by Hillary Hartley" in page
    assert '<option selected>Hillary Hartley</option>' in page

    page = researcher.get(f"{base}?source={rev.id}").get_data(as_text=True)
    assert speakers_shown(page) == ["Speaker 1", "Speaker 2", "Speaker 3", "Speaker 4", "Speaker 1", "Speaker 2"]
    assert "Adam Stacoviak" not in page.split('id="filter-speaker"')[1].split("</select>")[0]  # that source's speakers

    page = researcher.get(f"{base}?source={rev.id}&speaker=Hillary+Hartley").get_data(as_text=True)
    assert "No passages of this speaker in this source." in page

    # At 20 passages a page, the episode's 72 take four: Next keeps the filter.
    monkeypatch.setattr(queries, "PAGE", 20)
    page = researcher.get(f"{base}?source={episode.id}").get_data(as_text=True)
    pager = page.split('aria-label="Passage pages"')[1].split("</nav>")[0]
    assert "of 72" in pager and f"source={episode.id}" in pager and "page=2" in pager
    # An unknown source shows everything rather than failing.
    assert researcher.get(f"{base}?source=999999").status_code == 200
