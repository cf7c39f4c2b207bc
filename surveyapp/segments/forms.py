"""Forms of the segments pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from surveyapp.auth.forms import strip
from surveyapp.segments.methods import METHODS


class RunForm(FlaskForm):
    """The window is any period: a start and an end date, N days from a start, N days
    before an end, or (both dates empty) the data's own last N days."""

    environment = SelectField("Environment", coerce=int)
    days = IntegerField("Window (days of behaviour)", default=90,
                        validators=[Optional(), NumberRange(1, 36_600)],
                        description="Both dates empty: the last N days of this environment's "
                                    "data (up to its last event or order), whenever that was.")
    start = DateField("From (optional)", validators=[Optional()])
    end = DateField("Until, not included (optional)", validators=[Optional()])
    include_attributes = BooleanField("Also cluster on contact attributes (plan, role, …)")

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError("The window must end after it starts.")

    def window(self) -> dict[str, Any]:
        """``new_run`` keyword arguments: the dates as UTC midnights, the days when a date
        is missing."""
        def midnight(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time(), dt.UTC) if day else None

        start, end = midnight(self.start.data), midnight(self.end.data)
        return {"start": start, "end": end,
                "days": None if start and end else (self.days.data or 90)}


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


class FillForm(FlaskForm):
    """The button that fills a persona's goals and pain points from the evidence."""


class UploadForm(FlaskForm):
    kind = SelectField("What the file holds", choices=[
        SelectChoice("events", "Events (user_id, timestamp, event, properties…)"),
        SelectChoice("contacts", "Contacts (user_id and attributes)"),
        SelectChoice("orders", "Orders (user_id, order_id, amount, timestamp…)")])
    environment = SelectField("Environment", coerce=int)
    file = FileField("File (.csv, .jsonl or .parquet)", validators=[FileRequired()])
