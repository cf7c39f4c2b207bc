"""Forms of the integrations settings page. The rules of each channel and alert kind
are checked by ``service`` (its field errors are shown on these forms)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from surveyapp.auth.forms import strip

CHANNEL_LABELS = {"slack": "Slack (incoming webhook)", "email": "E-mail (SMTP)",
                  "webhook": "Webhook (signed JSON)", "segment": "Segment / RudderStack (events)"}
RULE_LABELS = {"detractor": "A detractor answered",
               "nps_below": "NPS fell below a threshold",
               "theme_growing": "A new theme is growing"}


class ChannelForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(k, v) for k, v in CHANNEL_LABELS.items()])
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)],
                       description="e.g. #product-feedback")
    url = StringField("URL", filters=[strip], validators=[Length(max=500)],
                      description="Slack: the incoming-webhook URL. Webhook: your endpoint. "
                                  "Segment: https://api.segment.io (RudderStack: your data plane URL).")
    write_key = StringField("Write key (Segment / RudderStack)", filters=[strip],
                            validators=[Length(max=200)])
    host = StringField("SMTP host", filters=[strip], validators=[Length(max=255)])
    port = IntegerField("SMTP port", validators=[Optional(), NumberRange(1, 65535)])
    security = SelectField("SMTP security", choices=[SelectChoice("starttls", "STARTTLS"),
                                                     SelectChoice("ssl", "TLS (SMTPS)"),
                                                     SelectChoice("none", "None (local relay)")])
    username = StringField("SMTP user name", filters=[strip], validators=[Length(max=255)])
    password = PasswordField("SMTP password", validators=[Length(max=255)])
    sender = StringField("From", filters=[strip], validators=[Length(max=255)])
    recipients = StringField("To", filters=[strip], validators=[Length(max=1000)],
                             description="E-mail addresses, separated by commas")
    digest = BooleanField("Send the weekly digest here")
    max_per_hour = IntegerField("At most messages per hour", default=12,
                                validators=[Optional(), NumberRange(1, 3600)])


class RuleForm(FlaskForm):
    kind = SelectField("When", choices=[SelectChoice(k, v) for k, v in RULE_LABELS.items()])
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    channel_id = SelectField("Send to", coerce=int)
    survey_id = SelectField("Survey", coerce=int)
    segment_id = SelectField("Segment (NPS rule, optional)", coerce=int)
    threshold = StringField("NPS below", filters=[strip], default="0")
    days = IntegerField("Over the last (days)", default=7, validators=[Optional(), NumberRange(1, 90)])
    min_answers = IntegerField("At least answers", validators=[Optional(), NumberRange(1, 100000)])
    growth = StringField("Theme grew at least (x)", filters=[strip], default="2")


class ExportForm(FlaskForm):
    destination = SelectField("Destination", choices=[SelectChoice("directory", "A directory on the server"),
                                                      SelectChoice("s3", "An S3-compatible bucket")])
    location = StringField("Where", filters=[strip], validators=[DataRequired(), Length(max=500)],
                           description="/srv/lake/surveyapp, or s3://bucket/prefix")
    endpoint_url = StringField("S3 endpoint (empty for AWS)", filters=[strip], validators=[Length(max=500)],
                               description="e.g. https://minio.example.com:9000")
    region = StringField("S3 region", filters=[strip], validators=[Length(max=40)])
    access_key_id = StringField("Access key id", filters=[strip], validators=[Length(max=200)])
    secret_access_key = PasswordField("Secret access key", validators=[Length(max=200)])
    every_hours = IntegerField("Every (hours)", default=24, validators=[Optional(), NumberRange(1, 168)])
