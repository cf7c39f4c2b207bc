"""Forms of the insights pages (goals, hypotheses, evidence, notes, webhooks, share links)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from surveyapp.auth.forms import strip
from surveyapp.insights.hooks import refusal
from surveyapp.insights.service import METRICS, STANCES
from surveyapp.models.insights import HypothesisStatus


class GoalForm(FlaskForm):
    title = StringField("Goal", filters=[strip], validators=[DataRequired(), Length(max=200)],
                        description="In users' terms, e.g. “New users would recommend us”.")
    survey_id = SelectField("Survey", coerce=int, validators=[InputRequired()])
    metric = SelectField("Metric", choices=[SelectChoice(k, v) for k, v in METRICS.items()])
    comparator = SelectField("Is", choices=[SelectChoice(">=", "at least"), SelectChoice("<=", "at most")])
    target = FloatField("Target", validators=[InputRequired(), NumberRange(-100, 1_000_000)])
    attr_key = StringField("Only contacts whose attribute…", filters=[strip],
                           validators=[Length(max=60)], description="e.g. plan")
    attr_value = StringField("…equals", filters=[strip], validators=[Length(max=200)],
                             description="e.g. free")
    segment = SelectField("Only this segment", default="")
    days = IntegerField("Over the last (days)", validators=[Optional(), NumberRange(1, 3650)],
                        render_kw={"placeholder": "all time"})


class HypothesisForm(FlaskForm):
    title = StringField("Hypothesis", filters=[strip], validators=[DataRequired(), Length(max=200)],
                        description="“We believe that … for … because …”")
    statement = TextAreaField("Details", filters=[strip], validators=[Length(max=5000)])


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[SelectChoice(s.value, s.value.capitalize())
                                              for s in HypothesisStatus])


class EvidenceForm(FlaskForm):
    ref = SelectField("Evidence", validators=[DataRequired()])
    stance = SelectField("It", choices=[SelectChoice(k, v) for k, v in STANCES.items()])
    note = TextAreaField("Why it matters", filters=[strip], validators=[Length(max=2000)])


class NoteForm(FlaskForm):
    chart = StringField("Chart", validators=[DataRequired(), Length(max=60)])
    body = TextAreaField("Note", filters=[strip], validators=[DataRequired(), Length(max=2000)])


def _http_url(form: FlaskForm, field: URLField) -> None:
    parts = urlsplit(field.data or "")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise StopValidation("The port is not a number.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StopValidation("An http:// or https:// address.")


def _public_host(form: FlaskForm, field: URLField) -> None:
    """No webhooks into our own network (SSRF); deliveries check again after DNS."""
    reason = refusal(field.data or "")
    if reason:
        raise ValidationError(f"Refused: {reason}.")


class WebhookForm(FlaskForm):
    url = URLField("Endpoint URL", filters=[strip], validators=[DataRequired(), Length(max=500), _http_url, _public_host])
    created = BooleanField("Response started", default=True)
    finished = BooleanField("Response completed", default=True)


class ShareForm(FlaskForm):
    days = IntegerField("Link valid for (days)", default=7, validators=[InputRequired(), NumberRange(1, 90)])


class ReportSettingsForm(FlaskForm):
    min_cell = IntegerField(
        "Hide groups smaller than (respondents)", validators=[InputRequired(), NumberRange(2, 1000)],
        render_kw={"min": 2, "max": 1000}, description="k-anonymity threshold: breakdown cells, theme tables and NPS by group with "
                    "fewer respondents are not shown, on every report, chart table, shared link "
                    "and in the themes API. At least 2; 5 by default.")
