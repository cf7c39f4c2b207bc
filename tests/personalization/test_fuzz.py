"""The fuzz suite over the personalization endpoints, with a live slot so generated
requests reach the decision code: never a 5xx, answers as documented."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from surveyapp.models import ApiKey
from tests.personalization.helpers import published_slot
from tests.test_fuzz import fuzz_operation, operations


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_personalization_endpoints_never_fail(app, db, team, mode):
    published_slot(db, team.workspace, holdout_percent=20, relevance_question="Was this relevant?")
    key, secret = ApiKey.generate(team.workspace, "fuzz", team.owner)
    db.session.add(key)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    checked = []
    for operation in operations(app):
        if "personalize" not in operation.path:
            continue
        known = {"key": team.workspace.environments[0].client_key,
                 "slot_key": "onboarding_tip"} if "{key}" in operation.path else {}
        fuzz_operation(operation, mode, known, headers)
        checked.append(operation.path)
    assert sorted(checked) == ["/api/v1/client/{key}/personalize/{slot_key}",
                             "/api/v1/client/{key}/personalize/{slot_key}/relevance",
                             "/api/v1/personalize"]
