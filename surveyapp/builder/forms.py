from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

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


class AddQuestionForm(FlaskForm):
    type = SelectField("Type")
    qid = StringField("Id (optional)", filters=[strip],
                      validators=[Optional(), Regexp(r"^[a-z0-9_]{1,40}$",
                                                     message="a-z, 0-9 and _ only")],
                      description="Used in logic and exports; made from the type if empty.")


OPERATORS = [("lte", "is at most"), ("lt", "is less than"), ("gte", "is at least"),
             ("gt", "is more than"), ("eq", "is"), ("neq", "is not"), ("in", "is one of"),
             ("not_in", "is none of"), ("contains", "contains"), ("answered", "is answered"),
             ("skipped", "is skipped")]


class LogicForm(FlaskForm):
    source = SelectField("After question")
    op = SelectField("If the answer", choices=[SelectChoice("", "(whatever it is)")] + [
        SelectChoice(v, label) for v, label in OPERATORS])
    value = StringField("Value", filters=[strip],
                        description="A number, a choice id, text, or for “one of” a comma-separated list.")
    target = SelectField("Go to")


class SettingsForm(FlaskForm):
    urls = TextAreaField(
        "Show on pages", render_kw={"rows": 3},
        description="One rule per line: “starts_with /app”, “contains checkout”, “exact "
                    "https://…”, “regex ^/app/(a|b)$”; start a line with “not ” to exclude. "
                    "Empty: every page.")
    trigger = SelectField("When", choices=[
        SelectChoice("page_view", "When the page loads"), SelectChoice("event", "On a custom event"),
        SelectChoice("click", "On a click on an element"), SelectChoice("exit_intent", "On exit intent"),
        SelectChoice("scroll", "After scrolling"), SelectChoice("delay", "After a delay")])
    trigger_value = StringField("Event name, CSS selector, scroll % or seconds", filters=[strip])
    attributes = TextAreaField(
        "Only for people whose attributes match", render_kw={"rows": 2},
        description="One filter per line: “plan eq pro”, “seats gt 10”, “company exists”.")
    segments = StringField(
        "Only for people in these segments", filters=[strip],
        description="Segment keys from the Segments page, comma-separated (any of them). "
                    "Empty: everyone. Needs identified users.")
    sampling = IntegerField("Show to this % of visitors", default=100,
                            validators=[InputRequired(), NumberRange(1, 100)])
    display_limit = SelectField("Show it", choices=[
        SelectChoice("until_answered", "Until answered"), SelectChoice("once", "Once"),
        SelectChoice("times", "A number of times"), SelectChoice("always", "Every time it matches")])
    display_times = IntegerField("Number of times", validators=[Optional(), NumberRange(1, 100)])
    recontact_days = IntegerField("Days to wait after any survey (empty: the workspace's setting)",
                                  validators=[Optional(), NumberRange(0, 365)])
    start = DateField("Start showing on", validators=[Optional()])
    end = DateField("Stop showing after", validators=[Optional()])
    response_cap = IntegerField("Stop after this many responses", validators=[Optional(), NumberRange(1)])
    priority = IntegerField("Priority (0-100)", validators=[Optional(), NumberRange(0, 100)],
                            description="When two surveys could show, the higher one does.")
    quotas = StringField("Stop per segment", filters=[strip],
                         description="“segment-key=responses”, comma-separated: “power-users=200”.")
    position = SelectField("Position", choices=[
        SelectChoice("bottom-right", "Bottom right"), SelectChoice("bottom-left", "Bottom left"),
        SelectChoice("top-right", "Top right"), SelectChoice("top-left", "Top left"),
        SelectChoice("center", "Centre")])
    theme = SelectField("Theme", choices=[SelectChoice("auto", "Follow the visitor's setting"),
                                          SelectChoice("light", "Light"), SelectChoice("dark", "Dark")])
    brand_color = StringField("Brand colour", default="#4f46e5", render_kw={"type": "color"},
                              validators=[Regexp(r"^#[0-9a-fA-F]{6}$", message="a colour like #4f46e5")])
    public_title = StringField(
        "Title respondents see", filters=[strip], validators=[Optional(), Length(max=200)],
        description="On the link page (and the browser tab). The survey's name above stays "
                    "internal; without a title the page shows your workspace's name.")
    thank_you_title = StringField("Thank-you title", validators=[Optional(), Length(max=200)])
    thank_you_body = TextAreaField("Thank-you message", validators=[Optional(), Length(max=1000)],
                                   render_kw={"rows": 2})
    locales = StringField("Languages offered", filters=[strip],
                          description="Comma-separated, the default first: “en, de, pt-BR”.")
