"""The visual survey editor: one WTForms form per question (from its type's class), a
branching-rule form, and one form for targeting, appearance and languages.

Every change edits the draft only. A form with errors is shown again with the errors
next to its fields and nothing is saved; logic that would not validate is refused with
the rule and question named. Publishing validates the whole draft as before.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from flask import redirect, url_for
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from surveyapp.builder.forms import AddQuestionForm, LogicForm, SettingsForm
from surveyapp.builder.wording import short
from surveyapp.extensions import db
from surveyapp.models import Survey
from surveyapp.surveys.definition import END, SEGMENT_KEY, DefinitionError, validate_definition
from surveyapp.surveys.questions import QUESTION_TYPES


def draft_questions(survey: Survey) -> list[dict[str, Any]]:
    questions = (survey.draft or {}).get("questions")
    return questions if isinstance(questions, list) else []


def find_question(survey: Survey, qid: str) -> tuple[int, dict[str, Any]] | None:
    for i, q in enumerate(draft_questions(survey)):
        if isinstance(q, dict) and q.get("id") == qid:
            return i, q
    return None


def store_draft(survey: Survey, draft: dict[str, Any]) -> None:
    survey.draft = draft
    db.session.commit()


def back_to(survey: Survey, anchor: str = "") -> Any:
    return redirect(url_for("builder.edit", survey_id=survey.id) + (f"#{anchor}" if anchor else ""))


# ----------------------------------------------------------------------------- forms for the page
def question_form(q: dict[str, Any], formdata: MultiDict[str, str] | None = None) -> Any:
    cls = QUESTION_TYPES[q["type"]]
    prefix = f"q-{q['id']}-"
    if formdata is not None:
        return cls.form_class(formdata=formdata, prefix=prefix)
    return cls.form_class(data=cls.form_data(q), prefix=prefix)


def add_question_form() -> AddQuestionForm:
    form = AddQuestionForm(prefix="add-")
    form.type.choices = [SelectChoice(t, cls.label) for t, cls in QUESTION_TYPES.items()]
    return form


def logic_form(survey: Survey) -> LogicForm:
    """Questions by their text (ids stay the values); the page's script offers only the
    questions after the chosen one as targets (the service refuses a jump back anyway)."""
    form = LogicForm(prefix="logic-")
    asked = [q for q in draft_questions(survey) if isinstance(q, dict) and q.get("type") != "hidden"
             and isinstance(q.get("id"), str)]
    labels = [(q["id"], f"{n}. {short(q['title'], 50)}" if str(q.get("title") or "").strip()
               else f"{n}. ({q['id']}, no text yet)") for n, q in enumerate(asked, 1)]
    form.source.choices = [SelectChoice(i, label) for i, label in labels]
    form.target.choices = [SelectChoice(i, label) for i, label in labels] + [
        SelectChoice(END, "End of the survey")]
    return form


def settings_form(survey: Survey, formdata: MultiDict[str, str] | None = None) -> SettingsForm:
    if formdata is not None:
        return SettingsForm(formdata=formdata, prefix="set-")
    d = survey.draft or {}
    t, ap, ty = d.get("targeting") or {}, d.get("appearance") or {}, d.get("thank_you") or {}
    trigger = t.get("trigger") or {"type": "page_view"}
    limit = t.get("display_limit") or {"mode": "until_answered"}
    schedule = t.get("schedule") or {}
    data = {
        "urls": "\n".join(("not " if r.get("exclude") else "") + f"{r['match']} {r['value']}"
                          for r in t.get("urls") or []),
        "trigger": trigger.get("type"),
        "trigger_value": str(trigger.get("name") or trigger.get("selector") or
                             trigger.get("percent") or trigger.get("seconds") or ""),
        "attributes": "\n".join(f"{a['key']} {a['op']} {a.get('value', '')}".strip()
                                for a in t.get("attributes") or []),
        "segments": ", ".join(t.get("segments") or []),
        "sampling": t.get("sampling", 100), "display_limit": limit.get("mode"),
        "display_times": limit.get("times"), "recontact_days": t.get("recontact_days"),
        "start": _date(schedule.get("start")), "end": _date(schedule.get("end")),
        "response_cap": t.get("response_cap"),
        "priority": t.get("priority"),
        "quotas": ", ".join(f"{q['segment']}={q['max']}" for q in t.get("quotas") or []),
        "position": ap.get("position", "bottom-right"), "theme": ap.get("theme", "auto"),
        "brand_color": ap.get("brand_color", "#4f46e5"),
        "public_title": d.get("title"),
        "thank_you_title": ty.get("title"), "thank_you_body": ty.get("body"),
        "locales": ", ".join(d.get("locales") or [d.get("default_locale", "en")]),
    }
    return SettingsForm(data=data, prefix="set-")


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# ----------------------------------------------------------------------------- conversions
def settings_to_definition(form: SettingsForm, draft: dict[str, Any]) -> dict[str, Any]:
    """Apply the settings form to a copy of the draft; field errors are added to ``form``."""
    out = copy.deepcopy(draft)
    urls = []
    for n, line in enumerate((form.urls.data or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        exclude = line.startswith("not ")
        parts = line[4:].strip().split(None, 1) if exclude else line.split(None, 1)
        if len(parts) != 2 or parts[0] not in ("exact", "contains", "starts_with", "regex"):
            form.urls.errors.append(f"Line {n}: start with exact, contains, starts_with or regex, "
                                    "then the text.")
            continue
        urls.append({"match": parts[0], "value": parts[1], **({"exclude": True} if exclude else {})})
    attributes = []
    for n, line in enumerate((form.attributes.data or "").splitlines(), 1):
        parts = line.split(None, 2)
        if not parts:
            continue
        if len(parts) < 2 or (parts[1] not in ("exists", "not_exists") and len(parts) < 3):
            form.attributes.errors.append(f"Line {n}: write “attribute operator value”.")
            continue
        value: Any = parts[2] if len(parts) == 3 else None
        if value is not None and value.lstrip("-").replace(".", "", 1).isdigit():
            value = float(value) if "." in value else int(value)
        attributes.append({"key": parts[0], "op": parts[1],
                           **({"value": value} if value is not None else {})})
    trigger: dict[str, Any] = {"type": form.trigger.data}
    raw = form.trigger_value.data or ""
    if trigger["type"] == "event":
        trigger["name"] = raw
    elif trigger["type"] == "click":
        trigger["selector"] = raw
    elif trigger["type"] in ("scroll", "delay"):
        key = "percent" if trigger["type"] == "scroll" else "seconds"
        if raw and not raw.isdigit():
            form.trigger_value.errors.append("a whole number")
        trigger[key] = int(raw) if raw.isdigit() else (50 if key == "percent" else 5)
    targeting: dict[str, Any] = {"urls": urls, "trigger": trigger, "attributes": attributes,
                                 "sampling": form.sampling.data,
                                 "display_limit": {"mode": form.display_limit.data}}
    if form.display_limit.data == "times":
        targeting["display_limit"]["times"] = form.display_times.data or 1
    for key in ("recontact_days", "response_cap", "priority"):
        if getattr(form, key).data is not None:
            targeting[key] = getattr(form, key).data
    schedule = {k: getattr(form, k).data.isoformat() for k in ("start", "end")
                if getattr(form, k).data}
    if schedule:
        targeting["schedule"] = schedule
    segment_keys = [k.strip() for k in (form.segments.data or "").split(",") if k.strip()]
    if segment_keys:
        targeting["segments"] = segment_keys
    quotas = [q.strip().partition("=") for q in (form.quotas.data or "").split(",") if q.strip()]
    if any(not SEGMENT_KEY.fullmatch(k.strip()) or not n.strip().isdigit() or not int(n)
           for k, _, n in quotas):
        form.quotas.errors.append("Write “segment-key=responses”, e.g. “power-users=200”.")
    elif quotas:
        targeting["quotas"] = [{"segment": k.strip(), "max": int(n)} for k, _, n in quotas]
    if (draft.get("targeting") or {}).get("segment") is not None:
        targeting["segment"] = draft["targeting"]["segment"]
    out["targeting"] = targeting
    out["appearance"] = {"position": form.position.data, "theme": form.theme.data,
                         "brand_color": form.brand_color.data}
    out.pop("title", None)
    if form.public_title.data:
        out = {"title": form.public_title.data, **out}
    out["thank_you"] = {k: v for k, v in (("title", form.thank_you_title.data),
                                          ("body", form.thank_you_body.data)) if v}
    locales = [loc.strip() for loc in (form.locales.data or "").split(",") if loc.strip()]
    if locales:
        out["default_locale"], out["locales"] = locales[0], locales
    return out


def check_part(draft: dict[str, Any], prefixes: tuple[str, ...]) -> dict[str, str]:
    """Errors of the whole draft that concern ``prefixes`` (other parts may be unfinished)."""
    try:
        validate_definition(draft)
    except DefinitionError as exc:
        hits = {k: v for k, v in exc.fields.items() if k.startswith(prefixes)}
        if hits:
            return {**hits, "_message": str(exc)}
    return {}


# ----------------------------------------------------------------------------- routes
