"""Forms of the research pages (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from surveyapp.models.research import StudyKind
from surveyapp.research.importers import MAX_SOURCE_BYTES


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class StudyForm(FlaskForm):
    title = StringField("Title", filters=[_strip], validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in StudyKind])
    research_question = TextAreaField("Research question", filters=[_strip],
                                      validators=[Optional(), Length(max=2000)],
                                      description="What do you want to learn?")


class ParticipantForm(FlaskForm):
    label = StringField("Label", filters=[_strip], validators=[DataRequired(), Length(max=80)],
                        description="A code such as P3; keep real names out of it.")
    contact = StringField("Product user id (optional)", filters=[_strip],
                          validators=[Optional(), Length(max=255)],
                          description="Links their segments, survey answers and behaviour.")
    consent = BooleanField("They consented to being recorded and to this use")
    consent_note = StringField("Consent note", filters=[_strip], validators=[Optional(), Length(max=500)],
                               description="E.g. which form they signed, and when.")


class SessionForm(FlaskForm):
    title = StringField("Session", filters=[_strip], validators=[DataRequired(), Length(max=200)],
                        description="E.g. “Interview 3” or “Workshop with the finance team”.")
    participant = SelectField("Participant", coerce=int, validators=[Optional()],
                              description="Leave empty for a group session.")
    held_on = DateField("Date", validators=[Optional()])
    moderator = StringField("Moderator", filters=[_strip], validators=[Optional(), Length(max=80)])
    notes = TextAreaField("Notes", filters=[_strip], validators=[Optional(), Length(max=20000)],
                          description="Contact details are removed before they are stored.")


class TaskForm(FlaskForm):
    name = StringField("Task", filters=[_strip], validators=[DataRequired(), Length(max=200)],
                       description="The name the results CSV uses in its task column.")
    scenario = TextAreaField("Scenario", filters=[_strip], validators=[Optional(), Length(max=4000)],
                             description="What participants are asked to do, as read to them.")
    success = StringField("Success means", filters=[_strip], validators=[Optional(), Length(max=1000)],
                          description="E.g. “the invoice PDF is open”.")
    target_seconds = FloatField("Target time (s)", validators=[Optional(), NumberRange(min=1, max=86400)])


class SourceForm(FlaskForm):
    title = StringField("Title", filters=[_strip], validators=[Optional(), Length(max=200)],
                        description="E.g. “Interview with P3”. Default: the file name.")
    participant = SelectField("Participant", coerce=int, validators=[Optional()])
    session = SelectField("Session", coerce=int, validators=[Optional()],
                          description="The session this material was recorded in, if any.")
    file = FileField("File", validators=[FileSize(MAX_SOURCE_BYTES)],
                     description="Text, Markdown, DOCX, WebVTT or SRT (up to 5 MB).")
    text = TextAreaField("…or paste notes or a transcript", validators=[Optional(),
                                                                      Length(max=MAX_SOURCE_BYTES)])


class UsabilityForm(FlaskForm):
    file = FileField("Results (CSV or XLSX)", validators=[FileSize(MAX_SOURCE_BYTES)],
                     description="Task rows (participant, task, success, and optionally time_s, "
                                 "errors, seq, sus_1 … sus_10), or a form export (Google Forms, "
                                 "Microsoft Forms, Typeform, Qualtrics) with SUS, UMUX-Lite or "
                                 "SEQ questions as its columns, answered in numbers or words.")


class LinkForm(FlaskForm):
    question = SelectField("Compare with the themes of", validators=[Optional()],
                           description="An analysed open-text survey question.")


class HighlightForm(FlaskForm):
    quote = TextAreaField("Highlight", filters=[_strip], validators=[DataRequired(), Length(max=2000)],
                          description="Select words in the passage, or type them exactly.")
    start = IntegerField(validators=[Optional()], widget=HiddenInput())
    tags = StringField("Tags", filters=[_strip], validators=[Optional(), Length(max=500)],
                       description="Comma-separated codes from the codebook; new ones are added.")
    note = StringField("Note", filters=[_strip], validators=[Optional(), Length(max=1000)])


class InsightForm(FlaskForm):
    title = StringField("Insight", filters=[_strip], validators=[DataRequired(), Length(max=200)],
                        description="A finding in a sentence, e.g. “Exports fail on big accounts”.")
    body = TextAreaField("Details", filters=[_strip], validators=[Optional(), Length(max=4000)])


class MoveForm(FlaskForm):
    insight = SelectField("Move to", coerce=int)


class TagForm(FlaskForm):
    name = StringField("Name", filters=[_strip], validators=[DataRequired(), Length(max=60)])
    description = StringField("Description", filters=[_strip], validators=[Optional(), Length(max=500)],
                              description="When to use this code.")


class MergeTagForm(FlaskForm):
    into = SelectField("Merge into", coerce=int)


class PassageForm(FlaskForm):
    text = TextAreaField("Text", filters=[_strip], validators=[DataRequired(), Length(max=20000)],
                         description="Correct the transcript. Highlights keep their exact words.")


class EvidenceForm(FlaskForm):
    """Link a highlight or an insight as evidence: to a hypothesis (with a stance), to a
    persona card, or (highlights) to a theme of the linked survey question."""

    target = SelectField("Evidence for", validators=[DataRequired()])
    stance = SelectField("Stance", choices=[SelectChoice("supports", "supports"),
                                            SelectChoice("refutes", "refutes"),
                                            SelectChoice("context", "context")],
                         default="supports", description="For hypotheses.")
