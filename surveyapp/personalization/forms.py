"""Forms of the personalization pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class SlotForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    key = StringField("Key", filters=[strip], validators=[DataRequired(), Length(max=64)],
                      description="What your product asks for: surveyapp('personalize', 'key', …) "
                                  "or GET /api/v1/personalize?slot=key. Lowercase letters, "
                                  "digits, - and _.")
    description = TextAreaField("Where it shows", filters=[strip],
                                validators=[Optional(), Length(max=2000)])


class DraftForm(FlaskForm):
    schema = TextAreaField("Payload schema (JSON Schema)", filters=[strip],
                           validators=[DataRequired(), Length(max=20_000)],
                           description="Every variant's payload must match it.")
    variants = TextAreaField("Variants (JSON: {\"key\": payload, …})", filters=[strip],
                             validators=[DataRequired(), Length(max=50_000)])
    rules = TextAreaField("Rules, in order (JSON list)", filters=[strip],
                          validators=[Optional(), Length(max=50_000)],
                          description='[{"if": [{"segment": "power-users"}], "then": "tip_export"}] '
                                      "— conditions: segment, persona (id), attribute (op, value), "
                                      "page (op), event (days, min_count, absent), prediction "
                                      "(a model's id, min, max: a score band). First match wins.")
    default = StringField("Default variant", filters=[strip],
                          validators=[DataRequired(), Length(max=64)],
                          description="Shown when no rule applies, to the holdout, and to anyone "
                                      "who turned personalisation off.")
    holdout_percent = IntegerField("Holdout (%)", default=10,
                                   validators=[InputRequired(), NumberRange(min=0, max=50)],
                                   description="A random share that always gets the default, "
                                               "to measure lift against.")
    goal_event = StringField("Goal event", filters=[strip],
                             validators=[Optional(), Length(max=200)],
                             description="The event that says it worked, e.g. activated.")
    goal_window_hours = IntegerField("Goal window (hours)", default=168,
                                     validators=[InputRequired(), NumberRange(min=1, max=2160)])
    relevance_question = StringField("Relevance question", filters=[strip],
                                     validators=[Optional(), Length(max=200)],
                                     description="Optional: a one-question micro-survey (1–5) "
                                                 "the widget shows after the element, e.g. "
                                                 "“Was this tip relevant to you?”.")
