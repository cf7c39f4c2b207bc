"""The optional local LLM (issue #20, item 9) against a real HTTP server on loopback that
speaks the OpenAI chat-completions protocol (a small werkzeug app in a thread, the outer
boundary: our code sends real requests over a socket and reads real responses).

The server's behaviour is chosen by the model name: ``good`` (a JSON answer whose label
and quotes come from the answers it was sent), ``slow`` (answers after the client's
timeout), ``prose`` (no JSON), ``refuse`` (an OpenAI-style refusal), ``inventor`` (quotes
an answer it was not sent), ``far`` (cites answer [99]), ``keywords`` (a keyword list as
label), ``broken`` (HTTP 500). The answers are real CLINC150 customer queries
(tests/fixtures/nlp/clinc150_sample.json).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from nlp.llm import LLMConfig, describe_themes
from tests.nlp.conftest import REPO

SAMPLE = REPO / "tests" / "fixtures" / "nlp" / "clinc150_sample.json"
STOP = {"what", "when", "where", "which", "would", "could", "there", "their", "about", "please", "should",
        "have", "with", "that", "this", "from", "your", "need", "want", "know", "tell", "does", "much"}


def rows() -> list[dict[str, str]]:
    return list(json.loads(SAMPLE.read_text())["rows"])


def by_intent(*intents: str) -> list[tuple[int, list[str]]]:
    data = rows()
    return [(n, [r["text"] for r in data if r["intent"] == i]) for n, i in enumerate(intents)]


@dataclass
class FakeLLM:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)


_GIVEN: set[str] = set()  # the words labels were made from so far


def _answer(model: str, prompt: str) -> tuple[int, dict[str, Any] | None, str | None]:
    answers = re.findall(r"^\[(\d+)\] (.*)$", prompt, re.M)
    words = Counter(w for _, a in answers for w in set(re.findall(r"[a-z]{4,}", a.lower())) if w not in STOP)
    # a distinct label per theme, as a model asked about different answers would give (the
    # app refuses a label another theme already has)
    fresh = [w for w, _ in words.most_common() if w not in _GIVEN]
    top = fresh[0] if fresh else f"things {len(_GIVEN)}"
    _GIVEN.add(top)
    good = {"label": f"Questions about {top}", "summary": f"People ask about {top} [1], often urgently [2].",
            "quotes": [1, 2]}
    content: Any = good
    if model == "slow":
        time.sleep(1.5)
    elif model == "prose":
        content = "Sure! These answers are all about " + top + "."
    elif model == "refuse":
        return 200, {"choices": [{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "content": None, "refusal": "I can't help with that."}}]}, None
    elif model == "inventor":
        content = {**good, "quotes": ["My card was charged twice and nobody answers the phone"]}
    elif model == "far":
        content = {**good, "summary": "People ask [99]."}
    elif model == "keywords":
        content = {**good, "label": f"{top} / help / account"}
    elif model == "broken":
        return 500, None, "internal error"
    text = content if isinstance(content, str) else "```json\n" + json.dumps(content) + "\n```"
    return 200, {"id": "chatcmpl-1", "object": "chat.completion", "model": model, "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}]}, None


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLLM]:
    seen: list[dict[str, Any]] = []

    @Request.application
    def app(request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        seen.append({"path": request.path, "auth": request.headers.get("Authorization"), "body": body})
        if request.method != "POST" or request.path != "/v1/chat/completions":
            return Response("not found", status=404)
        prompt = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
        status, payload, text = _answer(str(body.get("model")), prompt)
        if payload is None:
            return Response(text or "", status=status)
        return Response(json.dumps(payload), status=status, content_type="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake = FakeLLM(f"http://127.0.0.1:{server.server_port}/v1", seen)
    yield fake
    server.shutdown()
    thread.join(5)


def config(fake: FakeLLM, model: str, **kw: Any) -> LLMConfig:
    return LLMConfig(fake.url, model, **kw)


def test_labels_and_summaries_quote_only_the_themes_own_answers(fake_llm):
    themes = by_intent("lost_luggage", "tire_pressure", "recipe")
    before = len(fake_llm.requests)
    got = describe_themes(config(fake_llm, "good", api_key="sekrit"), themes, question="How can we help?")
    sent = fake_llm.requests[before:]
    assert len(sent) == 3 and all(r["auth"] == "Bearer sekrit" for r in sent)
    assert all(r["body"]["model"] == "good" for r in sent)
    assert "How can we help?" in sent[0]["body"]["messages"][1]["content"]
    for (tid, answers), g in zip(themes, got, strict=True):
        assert g.ok, g.error
        assert g.theme_id == tid and g.label.startswith("Questions about ")
        assert len(g.quotes) == 2 and all(q in answers for q in g.quotes)  # real answers, as written
        assert g.summary.endswith("[2].") and "[1]" in g.summary
    assert {g.label for g in got} == {"Questions about luggage", "Questions about pressure", "Questions about recipe"}


@pytest.mark.parametrize(("model", "reason"), [
    ("prose", "did not return a JSON object"),
    ("refuse", "refused"),
    ("inventor", "not an answer of the theme"),
    ("far", "cites answer [99]"),
    ("keywords", "not a short phrase"),
    ("broken", "HTTP 500"),
])
def test_a_bad_answer_keeps_the_built_in_label_and_says_why(fake_llm, model, reason):
    got = describe_themes(config(fake_llm, model), by_intent("lost_luggage", "recipe"))
    assert [g.ok for g in got] == [False, False]
    assert all(reason in g.error and not g.label and not g.quotes for g in got), [g.error for g in got]


def test_a_timeout_is_waited_for_once_not_once_per_theme(fake_llm):
    before = len(fake_llm.requests)
    t0 = time.perf_counter()
    got = describe_themes(config(fake_llm, "slow", timeout=0.4), by_intent("lost_luggage", "recipe", "gas"))
    assert time.perf_counter() - t0 < 1.4
    assert len(fake_llm.requests) - before == 1
    assert "no answer within 0.4 s" in got[0].error
    assert all(g.error.startswith("not tried: no answer within") for g in got[1:])


def test_an_endpoint_that_is_not_there_fails_cleanly():
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    got = describe_themes(LLMConfig(f"http://127.0.0.1:{port}/v1", "good", timeout=2),
                          by_intent("lost_luggage", "recipe"))
    assert "cannot reach the endpoint" in got[0].error and got[1].error.startswith("not tried")


# ----------------------------------------------------------------------------- in the app
QUESTION = "How can we help you today?"


@pytest.fixture
def app_config(app_config, tmp_path, request):
    model = getattr(request, "param", None)
    extra = {"sentiment_model": str(tmp_path / "no-model")}
    if model:
        extra |= {"llm_base_url": request.getfixturevalue("fake_llm").url, "llm_model": model,
                  "llm_timeout": 1}
    return {**app_config, **extra}


def analysed_report(db, client, team) -> tuple[Any, str]:
    from surveyapp import jobs
    from surveyapp.models import Response as Answer
    from surveyapp.models import Role, Survey, SurveyStatus
    from tests.conftest import login

    env = team.workspace.environments[0]
    survey = Survey(workspace=team.workspace, environment=env, name="Support", status=SurveyStatus.LIVE)
    version = survey.publish({"questions": [{"id": "q", "type": "open_text", "title": QUESTION}]})
    db.session.add(survey)
    db.session.flush()
    for i, r in enumerate(rows()):
        db.session.add(Answer(environment_id=env.id, client_id=f"r{i}", survey=survey, version=version,
                              finished=True, answers={"q": r["text"]}))
    db.session.commit()
    job = jobs.create_job(db.session, "analyse_survey", team.workspace, {"survey_id": survey.id})
    db.session.commit()
    assert jobs.run(job.id).value == "succeeded", job.message
    db.session.expire_all()
    login(client, team.users[Role.ANALYST].email)
    page = client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}")
    assert page.status_code == 200
    return db.session.get(type(job), job.id), page.get_data(as_text=True)


@pytest.mark.parametrize("app_config", ["good"], indirect=True)
def test_the_report_says_which_labels_and_summaries_came_from_the_local_model(db, client, team, fake_llm):
    from nlp.themes import ThemeResult
    from surveyapp.models import TextAnalysis

    job, page = analysed_report(db, client, team)
    result = ThemeResult.from_json(db.session.scalar(select(TextAnalysis.result)))
    notes = result.params["llm"]["themes"]
    themes = [t for t in result.themes if t.kind == "theme"]
    assert themes and all(notes[str(t.id)]["label_from_llm"] for t in themes)
    assert all(t.label.startswith("Questions about ") for t in themes)
    assert f"{len(themes)} of {len(themes)} themes named by the local model good" in job.result["message"]
    assert page.count("label from the local model good") == len(themes)
    assert page.count("Summary by the local model good:") == len(themes)
    texts = {r["text"] for r in rows()}
    for t in themes:
        note = notes[str(t.id)]
        assert f"Built-in label: {escape(note['auto_label'])}" in page
        assert note["quotes"] and all(q in texts for q in note["quotes"])  # real answers of the survey


@pytest.mark.parametrize("app_config", ["slow"], indirect=True)
def test_a_local_model_that_times_out_leaves_the_built_in_labels_and_says_so(db, client, team, fake_llm):
    before = len(fake_llm.requests)
    job, page = analysed_report(db, client, team)
    assert len(fake_llm.requests) - before == 1
    assert "0 of" in job.result["message"] and "built-in names kept" in job.result["message"]
    assert "label from the local model" not in page
    assert "was not used for this theme (no answer within 1 s)" in page
    assert "was not used for this theme (not tried: no answer within 1 s)" in page


def test_nothing_is_sent_anywhere_unless_configured(db, client, team, fake_llm):
    from surveyapp.config import Settings

    assert Settings().llm_base_url == ""
    before = len(fake_llm.requests)
    job, page = analysed_report(db, client, team)
    assert len(fake_llm.requests) == before
    assert "local model" not in page and "local model" not in job.result["message"]


@pytest.mark.parametrize("app_config", ["good"], indirect=True)
def test_erasing_a_person_removes_a_summary_that_quotes_them(db, client, team, fake_llm):
    from nlp.themes import ThemeResult
    from surveyapp.models import Contact, TextAnalysis
    from surveyapp.models import Response as Answer
    from surveyapp.privacy.service import erase_contacts

    analysed_report(db, client, team)
    notes = ThemeResult.from_json(db.session.scalar(select(TextAnalysis.result))).params["llm"]["themes"]
    tid, note = next((k, n) for k, n in notes.items() if n.get("quotes"))
    quoted = note["quotes"][0]
    env = team.workspace.environments[0]
    person = Contact(environment_id=env.id, external_id="quoted-person")
    db.session.add(person)
    db.session.flush()
    for answer in db.session.scalars(select(Answer)):
        if answer.answers.get("q") == quoted:
            answer.contact_id = person.id
    db.session.commit()
    erase_contacts(db.session, team.workspace, [person])
    db.session.commit()
    db.session.expire_all()
    after = ThemeResult.from_json(db.session.scalar(select(TextAnalysis.result))).params["llm"]["themes"]
    assert after[tid]["summary"] == "" and after[tid]["quotes"] == []
    assert "erased answer" in after[tid]["error"]
    assert all(quoted not in (n.get("quotes") or []) for n in after.values())
