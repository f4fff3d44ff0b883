"""The suggestion's model versions in the database (intake/admin/suggest_models.py, issue 19):
plain JSON, the newest installed in force, the shipped file otherwise; each tip records the
version that suggested its category."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from intake.admin import suggest_models
from intake.domain.category_model import Model, ModelError, default_model, model_version
from intake.platform.models.operations import SuggestModelVersion
from intake.platform.models.tips import Tip
from tests.cli import run_tipline
from tests.factories import file_tip
from tipline.runner import with_core

PHONE_SCAM = "有人打电话说我儿子出车祸了，要我马上转两万块钱"


def a_trained_model() -> dict:
    """The shipped model with every intercept moved a little: another version, as a retraining gives."""
    data = json.loads(json.dumps(default_model().data))
    data["intercept"] = [round(v + 0.01 * i, 5) for i, v in enumerate(data["intercept"])]
    data["version"] = model_version(data)
    return data


async def suggestion_of(core, tip_id: int) -> dict:
    async with core.db.session() as session:
        return (await session.get(Tip, tip_id)).suggestion


async def test_without_a_stored_model_the_shipped_one_suggests_and_the_tip_names_it(core):
    shipped = default_model()
    assert core.suggest_model is None and await suggest_models.in_force(core.db) is None
    (listed,) = await suggest_models.versions(core.db)
    assert (listed.version, listed.source, listed.in_force, listed.stored_at) == (shipped.version, "shipped", True, None)
    tip = await file_tip(core, category="other", description=PHONE_SCAM)
    suggestion = await suggestion_of(core, tip.tip_id)
    assert suggestion["category"] == "online_telecom" and suggestion["model_version"] == shipped.version
    async with core.db.session() as session:
        assert (await session.scalars(select(SuggestModelVersion))).all() == []  # not copied into every database


async def test_a_stored_and_installed_model_is_in_force_and_tips_name_it(core):
    data = a_trained_model()
    await suggest_models.store(core.db, data, source=suggest_models.TRAINED, now=core.clock.now(),
                               figures={"heldout": {"top1": 0.91}}, install=True)
    core.suggest_model = await suggest_models.in_force(core.db)  # what a restart does (tipline/bootstrap.py)
    assert core.suggest_model.version == data["version"] != default_model().version
    tip = await file_tip(core, category="other", description=PHONE_SCAM)
    assert (await suggestion_of(core, tip.tip_id))["model_version"] == data["version"]
    listed = await suggest_models.versions(core.db)
    assert [(m.version, m.source, m.in_force) for m in listed] == [
        (data["version"], "trained", True), (default_model().version, "shipped", False)]
    assert listed[0].figures == {"heldout": {"top1": 0.91}}
    async with core.db.session() as session:
        row = await session.scalar(select(SuggestModelVersion))
    assert row.data == data and Model.from_data(row.data).version == data["version"]  # plain JSON, as stored

    core.clock.advance(minutes=1)
    await suggest_models.install(core.db, default_model().version, core.clock.now())  # back to the shipped one
    assert (await suggest_models.in_force(core.db)).version == default_model().version
    core.clock.advance(minutes=1)
    await suggest_models.install(core.db, data["version"], core.clock.now())
    assert (await suggest_models.in_force(core.db)).version == data["version"]


async def test_storing_again_keeps_one_row_and_a_malformed_or_unknown_model_is_refused(core):
    data = a_trained_model()
    for _ in range(2):
        await suggest_models.store(core.db, data, source=suggest_models.TRAINED, now=core.clock.now())
    async with core.db.session() as session:
        assert len((await session.scalars(select(SuggestModelVersion))).all()) == 1
    assert await suggest_models.in_force(core.db) is None  # stored, not installed
    with pytest.raises(ModelError):
        await suggest_models.store(core.db, {**data, "weights": []}, source=suggest_models.TRAINED, now=core.clock.now())
    with pytest.raises(ModelError, match="no model version"):
        await suggest_models.install(core.db, "suggest-0000000000", core.clock.now())


def test_the_models_command_lists_the_shipped_version_in_force(tmp_path):
    result = run_tipline("suggest", "models", env={"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("* " + default_model().version + " shipped (the shipped file)")
    env = {"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""}
    refused = run_tipline("suggest", "install", "suggest-0000000000", env=env)
    assert refused.returncode == 1 and "no model version" in refused.stderr


def test_the_suggest_command_uses_the_model_in_force(tmp_path, monkeypatch):
    env = {"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    data = a_trained_model()

    async def keep(core):
        await suggest_models.store(core.db, data, source=suggest_models.TRAINED, now=core.clock.now(), install=True)

    with_core(keep)  # what `tipline suggest train --install` does after training
    printed = json.loads(run_tipline("suggest", PHONE_SCAM, env=env).stdout)
    assert printed["model_version"] == data["version"] and printed["category"] == "online_telecom"
    listed = run_tipline("suggest", "models", env=env).stdout.splitlines()
    assert listed[0].startswith(f"* {data['version']} trained stored ") and listed[1].startswith(f"  {default_model().version} shipped")
