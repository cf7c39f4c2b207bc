"""The widget's config holds only what targeting needs; the questions come per version,
cacheable for good; both are sent compressed when the browser accepts it (issue 19)."""

from __future__ import annotations

import gzip
import json

from surveyapp.models import Survey, SurveyKind, SurveyStatus
from tests.collect.test_collect_api import NPS, env, key, survey  # noqa: F401 (fixtures)

TARGETING = {"urls": [{"match": "starts_with", "value": "/app"}], "trigger": {"type": "page_view"}}


def test_config_has_each_survey_id_version_and_targeting_only(client, db, key, survey):  # noqa: F811
    survey.publish({**NPS, "targeting": TARGETING, "thank_you": {"title": "Merci"}})
    db.session.commit()
    doc = client.get(f"/api/v1/client/{key}/config").get_json()
    assert doc["surveys"] == [{"id": survey.id, "version": 2, "targeting": TARGETING}]
    assert "consent_notice" not in doc  # consent not required: nothing to ask


def test_a_link_survey_never_pops_up_in_the_product(client, db, key, survey):  # noqa: F811
    """A survey made for its shareable link page is answered there, not shown by the
    widget on every page of the product (it has no targeting of its own)."""
    link = Survey(workspace=survey.workspace, environment=survey.environment, name="Link only",
                  kind=SurveyKind.LINK, status=SurveyStatus.LIVE)
    link.publish({**NPS, "title": "Link only"})
    db.session.add(link)
    db.session.commit()
    doc = client.get(f"/api/v1/client/{key}/config").get_json()
    # Offered with a trigger the widget never fires (the link page shows it by its id)
    assert doc["surveys"][1] == {"id": link.id, "version": 1,
                                 "targeting": {"trigger": {"type": "link"}}}
    # ... and its link page still takes answers through the same API.
    assert client.get(f"/api/v1/client/{key}/surveys/{link.id}/1").status_code == 200


def test_a_survey_version_is_served_whole_and_immutable(client, db, key, survey):  # noqa: F811
    resp = client.get(f"/api/v1/client/{key}/surveys/{survey.id}/1",
                      headers={"Origin": "https://customer.example"})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["Access-Control-Allow-Origin"] == "https://customer.example"
    doc = resp.get_json()
    assert doc["id"] == survey.id and doc["version"] == 1
    assert [q["id"] for q in doc["questions"]] == ["score", "why"]
    assert client.get(f"/api/v1/client/{key}/surveys/{survey.id}/9").status_code == 404
    assert client.get(f"/api/v1/client/{key}/surveys/{2**40}/1").status_code in (400, 404)
    survey.status = SurveyStatus.PAUSED
    db.session.commit()
    assert client.get(f"/api/v1/client/{key}/surveys/{survey.id}/1").status_code == 409


def test_config_is_gzipped_when_accepted_and_still_answers_304(client, db, key, survey):  # noqa: F811
    long = {**NPS, "targeting": {**TARGETING, "attributes": [
        {"key": f"attr{i}", "op": "eq", "value": "x" * 20} for i in range(20)]}}
    survey.publish(long)
    db.session.commit()
    url = f"/api/v1/client/{key}/config"
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    plain = client.get(url)
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json()
    assert len(zipped.data) < len(plain.data) / 2
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_consent_prompt_gets_its_own_words_in_every_catalogue_language(client, db, key, env, team):  # noqa: F811
    from surveyapp.models import ConsentMode
    from surveyapp.privacy.consent import save_notice
    from surveyapp.widget_strings import CATALOGUE

    team.workspace.consent_mode = ConsentMode.REQUIRED
    save_notice(db.session, team.workspace, "We record your answers to improve the product.")
    db.session.commit()
    notice = client.get(f"/api/v1/client/{key}/config").get_json()["consent_notice"]
    assert notice["text"].startswith("We record")
    assert set(notice["strings"]) == set(CATALOGUE)
    assert notice["strings"]["ar"] == {k: CATALOGUE["ar"][k] for k in ("privacy", "submit", "thanks")}
