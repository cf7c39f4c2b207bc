from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from surveyapp.auth.forms import strip
from surveyapp.models import SurveyKind


class NewSurveyForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Where it is answered", choices=[
        SelectChoice(SurveyKind.APP.value, "In my product (embedded widget)"),
        SelectChoice(SurveyKind.LINK.value, "On a shareable link page"),
    ])
    environment = SelectField("Environment", coerce=int)
    template = SelectField("Start from")


class DefinitionForm(FlaskForm):
    definition = TextAreaField("Definition (JSON)", validators=[DataRequired()],
                               render_kw={"rows": 28, "spellcheck": "false"})


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=["live", "paused", "closed"])


class ImportForm(FlaskForm):
    file = FileField("Survey file (.json)", validators=[FileRequired()])
