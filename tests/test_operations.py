"""Operator commands: `surveyapp check`, `backup` and `restore` (both databases)."""

from __future__ import annotations

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from surveyapp.cli import main
from surveyapp.models import Survey, SurveyStatus


def run(app, *args):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_check_reports_each_part_and_passes_on_a_working_setup(app, db):
    result = run(app, "check")
    assert result.exit_code == 0, result.output
    for part in ("database", "job queue", "rate-limit storage", "data directory", "sentiment model"):
        assert part in result.output
    assert "FAIL" not in result.output


def test_check_fails_with_the_fix_when_the_schema_is_behind(tmp_path):
    from surveyapp import create_app

    app = create_app({"env": "testing", "secret_key": "s" * 40, "data_dir": tmp_path})
    result = run(app, "check")
    assert result.exit_code == 1
    assert "[FAIL] database" in result.output and "surveyapp db upgrade" in result.output


def test_backup_then_restore_round_trips_the_data(app, db, team, tmp_path):
    def add(name):
        survey = Survey(workspace=team.workspace, environment=team.workspace.environments[0],
                        name=name, status=SurveyStatus.LIVE)
        survey.publish({"questions": [{"id": "score", "type": "nps", "title": "NPS?"}]})
        db.session.add(survey)
        db.session.commit()

    add("Kept")
    backup = tmp_path / "backup.dump"
    result = run(app, "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0
    add("Made after the backup")
    db.session.remove()
    result = run(app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(select(Survey.name)))
    assert names == {"Kept"}
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 1
    bad = tmp_path / "not-a-backup"
    bad.write_text("hello")
    refused = run(app, "restore", str(bad), "--yes")
    assert refused.exit_code == 1
    assert "failed" in refused.output or "not a surveyapp" in refused.output
    assert set(db.session.scalars(select(Survey.name))) == {"Kept"}
