"""Forms of the segments pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from surveyapp.auth.forms import strip
from surveyapp.segments.methods import METHODS


class RunForm(FlaskForm):
    environment = SelectField("Environment", coerce=int)
    days = IntegerField("Window (days of behaviour)", default=90,
                        validators=[InputRequired(), NumberRange(7, 730)],
                        description="Features are computed over the last N days.")
    include_attributes = BooleanField("Also cluster on contact attributes (plan, role, …)")


class PredictForm(FlaskForm):
    environment = SelectField("Environment", coerce=int)
    outcome = SelectField("Outcome", choices=[
        SelectChoice("churn", "Churn: no activity in the last N days"),
        SelectChoice("conversion", "Conversion: does an event after the early period")])
    event = StringField("Conversion event", filters=[strip], validators=[Length(max=200)],
                        description="Only for conversion, e.g. upgrade_clicked.")
    early_days = IntegerField("Early period (days after first seen)", default=14,
                              validators=[InputRequired(), NumberRange(1, 90)])
    horizon_days = IntegerField("N: days of inactivity that count as churn / days to convert",
                                default=30, validators=[InputRequired(), NumberRange(1, 365)])


class SaveForm(FlaskForm):
    method = SelectField("Method to save",
                         choices=[SelectChoice(k, v) for k, v in METHODS.items()])


class PersonaForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    summary = TextAreaField("Behavioural summary", validators=[Length(max=4000)],
                            render_kw={"rows": 3})
    motivations = TextAreaField("Motivations", validators=[Length(max=4000)],
                                render_kw={"rows": 3}, description="One per line.")
    pain_points = TextAreaField("Pain points", validators=[Length(max=4000)],
                                render_kw={"rows": 3}, description="One per line.")
    goals = TextAreaField("Goals", validators=[Length(max=4000)], render_kw={"rows": 3},
                          description="One per line.")
    notes = TextAreaField("Research notes", validators=[Length(max=8000)], render_kw={"rows": 3})


class UploadForm(FlaskForm):
    kind = SelectField("What the file holds", choices=[
        SelectChoice("events", "Events (user_id, timestamp, event, properties…)"),
        SelectChoice("contacts", "Contacts (user_id and attributes)"),
        SelectChoice("orders", "Orders (user_id, order_id, amount, timestamp…)")])
    environment = SelectField("Environment", coerce=int)
    file = FileField("File (.csv, .jsonl or .parquet)", validators=[FileRequired()])
