"""Theme labels and summaries from an operator's own OpenAI-compatible endpoint (optional).

Off unless configured: nothing here runs, and no text leaves the server, until an
operator gives a base URL (a llama.cpp server, Ollama, vLLM on their own network).
:func:`describe_themes` asks the model, once per theme, for a short noun-phrase label and
a one-paragraph summary that cites answers by number; every cited answer is checked to be
one of the theme's own answers, and the quotes stored are those answers as written (never
text the model wrote). Anything that goes wrong for a theme (timeout, HTTP error, bad
JSON, a refusal, a label that is not a short phrase, a quote that is not one of the
theme's answers) leaves that theme with its built-in label and says why
(:class:`ThemeText` with ``error``); after a timeout or a connection failure the
remaining themes are not tried (one wait, not one per theme).

The client is plain ``requests`` (one POST to ``/chat/completions``; already installed with
transformers): the official ``openai`` package would bring pydantic models and retries
with back-off that stretch a timeout several times over; llama.cpp, Ollama and vLLM all
serve this one route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["LLMConfig", "ThemeText", "describe_themes", "MAX_ANSWERS"]

MAX_ANSWERS = 12  # answers shown to the model per theme (closest to the centroid first)
MAX_LABEL_WORDS = 6
MAX_LABEL_CHARS = 60
MAX_SUMMARY_CHARS = 800

SYSTEM = (
    "You name and summarise themes in answers to a survey question. Answer with one JSON "
    'object only: {"label": "...", "summary": "...", "quotes": [1, 2]}. "label" is a short '
    'noun phrase an analyst would write (2-5 words, e.g. "Waiting for appointments", '
    '"Helpful staff"), never a list of keywords. "summary" is one paragraph (at most 3 '
    "sentences) saying what these answers have in common, citing the answers it draws on by "
    'their numbers in square brackets, like [2]. "quotes" lists the numbers of 1-3 answers '
    "that show the theme best. Use only the answers given; do not invent quotes."
)


@dataclass(frozen=True)
class LLMConfig:
    base_url: str  # e.g. http://127.0.0.1:8080/v1 (llama.cpp), http://ollama:11434/v1
    model: str
    api_key: str = ""
    timeout: float = 30.0  # seconds per request (connect and read)

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


@dataclass
class ThemeText:
    """What the model said about one theme, checked; ``error`` set when it is not used."""

    theme_id: int
    label: str = ""
    summary: str = ""
    quotes: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Failed(Exception):
    def __init__(self, reason: str, fatal: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.fatal = fatal  # the endpoint is unreachable or too slow: do not try the rest


def _prompt(question: str | None, answers: Sequence[str]) -> str:
    lines = [f"Question: {question}" if question else "Question: (not given)",
             "Answers in this theme:"]
    lines += [f"[{i}] {a}" for i, a in enumerate(answers, 1)]
    return "\n".join(lines)


def _content(config: LLMConfig, client: Any, question: str | None, answers: Sequence[str]) -> str:
    import requests  # noqa: PLC0415

    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    body = {"model": config.model, "temperature": 0, "max_tokens": 400,
            "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": SYSTEM},
                         {"role": "user", "content": _prompt(question, answers)}]}
    try:
        r = client.post(config.endpoint, json=body, headers=headers, timeout=config.timeout,
                        allow_redirects=False)
    except requests.Timeout:
        raise _Failed(f"no answer within {config.timeout:g} s", fatal=True) from None
    except requests.RequestException as e:
        raise _Failed(f"cannot reach the endpoint ({type(e).__name__})", fatal=True) from None
    if r.status_code in (401, 403, 404):
        raise _Failed(f"the endpoint answered HTTP {r.status_code}", fatal=True)
    if r.status_code != 200:
        raise _Failed(f"the endpoint answered HTTP {r.status_code}")
    try:
        choice = r.json()["choices"][0]
        message = choice.get("message") or {}
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise _Failed("the response is not an OpenAI-style chat completion") from None
    if message.get("refusal") or choice.get("finish_reason") == "content_filter":
        raise _Failed("the model refused")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise _Failed("the model returned no text")
    return content


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")
_CITE = re.compile(r"\[(\d+)\]")


def _parse(content: str, answers: Sequence[str]) -> tuple[str, str, list[str]]:
    text = _FENCE.sub("", content.strip())
    try:
        data = json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")  # prose around the object
        try:
            data = json.loads(text[start:end + 1]) if 0 <= start < end else None
        except ValueError:
            data = None
    if not isinstance(data, dict):
        raise _Failed("the model did not return a JSON object")
    label = " ".join(str(data.get("label") or "").split()).strip(" .\"'")
    summary = " ".join(str(data.get("summary") or "").split())
    if not label or len(label) > MAX_LABEL_CHARS or len(label.split()) > MAX_LABEL_WORDS or " / " in label:
        raise _Failed(f"the label is not a short phrase: {label[:80]!r}")
    if not summary:
        raise _Failed("no summary")
    if len(summary) > MAX_SUMMARY_CHARS:
        raise _Failed("the summary is longer than one paragraph")
    cited = [int(x) for x in _CITE.findall(summary)]
    raw = data.get("quotes") or []
    if not isinstance(raw, list):
        raise _Failed("quotes is not a list")
    picked: list[int] = []
    for q in raw:
        if isinstance(q, bool):
            raise _Failed(f"a quote is not an answer of the theme: {q!r}")
        if isinstance(q, int) or (isinstance(q, str) and q.strip().strip("[]").isdigit()):
            picked.append(int(str(q).strip().strip("[]")))
        elif isinstance(q, str):  # the answer's text itself: must be one of the theme's answers
            key = _norm(q)
            hit = next((i for i, a in enumerate(answers, 1) if _norm(a) == key), None)
            if hit is None:
                raise _Failed(f"a quote is not an answer of the theme: {q[:80]!r}")
            picked.append(hit)
        else:
            raise _Failed(f"a quote is not an answer of the theme: {q!r}")
    bad = [i for i in cited + picked if not 1 <= i <= len(answers)]
    if bad:
        raise _Failed(f"cites answer [{bad[0]}], which the theme does not have")
    order = list(dict.fromkeys(picked or cited))[:3]
    if not order:
        raise _Failed("the summary cites no answer")
    quotes = [answers[i - 1] for i in order]
    # the summary's [n] become the quote's position in ``quotes`` (or are dropped)
    pos = {n: k for k, n in enumerate(order, 1)}
    summary = _CITE.sub(lambda m: f"[{pos[int(m.group(1))]}]" if int(m.group(1)) in pos else "", summary)
    return label, " ".join(summary.split()), quotes


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s.lower()).strip()


def describe_themes(
    config: LLMConfig,
    themes: Sequence[tuple[int, Sequence[str]]],
    *,
    question: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    client: Any = None,
) -> list[ThemeText]:
    """One :class:`ThemeText` per ``(theme_id, answers)`` (answers closest to the theme's
    centre first; at most :data:`MAX_ANSWERS` are sent). Never raises for what the
    endpoint does: failures are in ``ThemeText.error``."""
    import time  # noqa: PLC0415

    import requests  # noqa: PLC0415

    own = client is None
    if own:
        client = requests.Session()
        client.trust_env = False  # the operator's own endpoint: no proxy from the environment
    out: list[ThemeText] = []
    stopped = ""
    try:
        for n, (tid, answers) in enumerate(themes):
            if progress:
                progress(n, len(themes))
            shown = [a for a in dict.fromkeys(" ".join(str(a).split()) for a in answers) if a][:MAX_ANSWERS]
            if stopped:
                out.append(ThemeText(tid, error=f"not tried: {stopped}"))
                continue
            if not shown:
                out.append(ThemeText(tid, error="no answers to show"))
                continue
            t0 = time.perf_counter()
            try:
                label, summary, quotes = _parse(_content(config, client, question, shown), shown)
                out.append(ThemeText(tid, label, summary, quotes, seconds=round(time.perf_counter() - t0, 2)))
            except _Failed as e:
                out.append(ThemeText(tid, error=e.reason, seconds=round(time.perf_counter() - t0, 2)))
                if e.fatal:
                    stopped = e.reason
    finally:
        if own:
            client.close()
    return out
