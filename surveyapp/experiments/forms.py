"""Forms of the experiments and journeys pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from surveyapp.experiments.metrics import METRIC_KINDS


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ExperimentForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    key = StringField("Key", filters=[strip], validators=[DataRequired(), Length(max=64)],
                      description="What your code asks for: surveyapp('experiment', 'key', …). "
                                  "Lowercase letters, digits, - and _.")
    hypothesis = TextAreaField(
        "Hypothesis", filters=[strip], validators=[DataRequired(), Length(max=2000)],
        description="Because we believe …, showing … to … will increase …; we will know "
                    "from the primary metric.")
    variants = TextAreaField("Variants and allocation", filters=[strip],
                             default="Control: 50\nTreatment: 50",
                             validators=[DataRequired(), Length(max=1000)],
                             description="One per line, “name: weight”. The first is the control.")
    segment_key = StringField("Limit to segment (optional)", filters=[strip],
                              validators=[Optional(), Length(max=64)],
                              description="The key of a segment: only its members are assigned "
                                          "a variant; everyone else (anonymous visitors too) "
                                          "sees the default experience and is not counted.")


class MetricForm(FlaskForm):
    kind = SelectField("Metric", choices=[SelectChoice(k, v) for k, v in METRIC_KINDS.items()])
    event = StringField("Event", filters=[strip], validators=[Optional(), Length(max=200)],
                        description="For conversion and time metrics, e.g. onboarding_completed.")
    window_hours = IntegerField("Window (hours)", default=24,
                                validators=[Optional(), NumberRange(min=1, max=24 * 90)])
    survey_id = SelectField("Survey", coerce=int, choices=[], validate_choice=False)
    question_id = StringField("Question id", filters=[strip], validators=[Optional(), Length(max=40)],
                              description="For survey metrics: the question whose answers are compared.")


class PlanForm(FlaskForm):
    """The sample-size and duration calculator (GET, so its URL can be shared)."""

    class Meta:
        csrf = False

    baseline = DecimalField("Baseline rate (%)", places=None, default=10,
                            validators=[InputRequired(), NumberRange(min=0.01, max=99.99)])
    mde = DecimalField("Minimum detectable effect (percentage points)", places=None, default=2,
                       validators=[InputRequired(), NumberRange(min=0.01, max=50)])
    power = DecimalField("Power (%)", places=None, default=80,
                         validators=[InputRequired(), NumberRange(min=50, max=99.9)])
    alpha = DecimalField("Significance level α (%)", places=None, default=5,
                         validators=[InputRequired(), NumberRange(min=0.1, max=20)])
    variants = IntegerField("Variants (incl. control)", default=2,
                            validators=[Optional(), NumberRange(min=2, max=8)])
    daily = IntegerField("Visitors a day entering the experiment", default=1000,
                         validators=[Optional(), NumberRange(min=1, max=100_000_000)])


class FunnelForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    steps = TextAreaField("Steps (event names, in order)", filters=[strip],
                          validators=[DataRequired(), Length(max=2000)],
                          description="One event name per line; 2 to 8 steps.")
    window_hours = IntegerField("Conversion window (hours)", default=72,
                                validators=[InputRequired(), NumberRange(min=1, max=24 * 90)])
