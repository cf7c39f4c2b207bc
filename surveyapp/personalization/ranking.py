"""Model-ranked slots: a slot's recommendation model, trained in the background, served
in decisions, evaluated beside popularity, and retrained when a person is erased.

A slot's model ranks *items*: by default the slot's variant keys, read as event names
(a ``feature_spotlight`` whose variants are ``share_report``, ``export_csv``... ranks the
features a person has not used yet by what people like them use); or, with an
``item_event`` and ``item_property``, the values of that property (content ids), which the
decision returns in ``items`` for the product to show. When no rule of the slot matches,
the decision is the top-ranked item that is a variant, with the ranker's reasons in plain
words ("because you used Share report and Export CSV").

Trained by the job ``personalization_train`` (:func:`train_job`): the events are read
in the database (one query over the workspace's identified events of the items), split by
time, every ranker evaluated against popularity (``recommend.evaluate``), the best one
trained on everything and written to ``<data dir>/models/personalization/`` -- item-level
numbers only; a person's history is read from their events when a decision is made.
Erasure: the person's events go with them, so every ready model whose training read them
is retrained (after the erasure commits) and, until then, serves nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from surveyapp.errors import Invalid
from surveyapp.models import Contact, Environment, Event, Job, User, Workspace, utcnow
from surveyapp.models.personalization import Slot, SlotVersion
from surveyapp.models.recommend import SlotModel
from surveyapp.personalization import hot, recommend
from surveyapp.personalization.rules import Choice

log = logging.getLogger(__name__)

JOB = "personalization_train"
MIN_PEOPLE = 20  # fewer people than this: nothing to learn from
HISTORY_DAYS = 365  # the history a decision reads
NAMES = {"popularity": "Popularity (baseline)", "cooc": "Item-to-item co-occurrence",
         "als": "Collaborative filtering (ALS)"}


class ModelInvalid(Invalid):
    pass


# ----------------------------------------------------------------------------- setup
def model_of(session: Session, slot: Slot | hot.SlotState) -> SlotModel | None:
    return session.scalar(select(SlotModel).where(SlotModel.slot_id == slot.id))


def configure(session: Session, slot: Slot, item_event: str = "", item_property: str = "") -> SlotModel:
    """Give the slot a model (or change what its items are); it needs training after."""
    item_event, item_property = item_event.strip(), item_property.strip()
    if bool(item_event) != bool(item_property):
        raise ModelInvalid("invalid", "Give both the event and its property, or neither "
                                      "(then the items are the slot's variants, as events).",
                           {"item_event" if not item_event else "item_property": "required"})
    if len(item_event) > 200 or len(item_property) > 64:
        raise ModelInvalid("invalid", "The event name is at most 200 characters and the "
                                      "property at most 64.", {"item_event": "too long"})
    model = model_of(session, slot)
    if model is None:
        model = SlotModel(slot_id=slot.id, status="untrained", metrics={}, fairness={})
        session.add(model)
    if (model.item_event, model.item_property) != (item_event, item_property):
        model.item_event, model.item_property = item_event, item_property
        model.status, model.message = "untrained", "Train the model to use it."
    session.flush()
    return model


def start_training(session: Session, model: SlotModel, workspace: Workspace,
                   by: User | None) -> Job:
    """The training job (the caller commits, then enqueues it)."""
    from surveyapp import jobs

    job = jobs.create_job(session, JOB, workspace, {"model_id": model.id}, by)
    session.flush()
    mark_training(model, job)
    return job


def mark_training(model: SlotModel, job: Job) -> None:
    model.job_id = job.id
    model.status, model.message = "training", "Waiting for a worker…"


def catalogue(session: Session, model: SlotModel) -> list[str] | None:
    """The items the model may rank: the slot's variant keys (items are event names), or
    None: any value of the item property."""
    if model.item_event:
        return None
    slot = session.get(Slot, model.slot_id)
    assert slot is not None
    defn = _definition(session, slot) or slot.draft
    return sorted((defn or {}).get("variants", {}))


def _definition(session: Session, slot: Slot) -> dict[str, Any] | None:
    if slot.live_version is None:
        return None
    found: dict[str, Any] | None = session.scalar(select(SlotVersion.definition).where(
        SlotVersion.slot_id == slot.id, SlotVersion.version == slot.live_version))
    return found


def _item_column(model: SlotModel) -> Any:
    return Event.properties[model.item_property].as_string() if model.item_event else Event.name


def _events(session: Session, model: SlotModel, workspace_id: int,
            contact_ids: list[int] | None = None, variants: list[str] | None = None) -> Any:
    """SELECT contact, item, time of the model's events in the workspace (identified);
    ``variants``: the live definition's, when the caller has it (one query less)."""
    envs = select(Environment.id).where(Environment.workspace_id == workspace_id)
    item = _item_column(model)
    query = select(Event.contact_id, item, Event.occurred_at).where(
        Event.environment_id.in_(envs), Event.contact_id.is_not(None))
    items = None if model.item_event else (variants if variants is not None
                                           else catalogue(session, model))
    if items is not None:
        query = query.where(Event.name.in_(items))
    else:
        query = query.where(Event.name == model.item_event, item.is_not(None))
    if contact_ids is not None:
        query = query.where(Event.contact_id.in_(contact_ids))
    return query


# ----------------------------------------------------------------------------- training
def train(session: Session, model: SlotModel, progress: recommend.Progress | None = None) -> SlotModel:
    """Evaluate every ranker on a time split, train the best on everything, save it."""
    def report(f: float, msg: str) -> None:
        if progress is not None:
            progress(f, msg)

    slot = session.get(Slot, model.slot_id)
    assert slot is not None
    report(0.02, "Reading the events")
    rows = [(str(c), str(i), t) for c, i, t in session.execute(
        _events(session, model, slot.workspace_id)).all() if i not in (None, "")]
    people = {r[0] for r in rows}
    if len(people) < MIN_PEOPLE:
        raise ModelInvalid("too_few", f"{len(people)} people used these items; the model "
                                      f"needs at least {MIN_PEOPLE}.")
    split = recommend.time_split(rows)
    report(0.1, f"Evaluating on {len(split.test_people)} people after "
                f"{_when(split.cut)}")
    evaluation = recommend.evaluate(split, progress=lambda f, m: report(0.1 + 0.6 * f, m))
    best = evaluation.best()
    report(0.75, f"Training {NAMES[best]} on every event")
    log_all = recommend.build_log([(p, i) for p, i, _ in rows], catalogue(session, model))
    trained = recommend.train(log_all, best, lambda f, m: report(0.75 + 0.2 * f, m))
    fairness = _fairness(session, slot, split, evaluation.hits.get(best, []))
    # Last progress before writing: SQLite has one writer, and progress is written on a
    # side connection that would wait for this transaction.
    report(0.97, "Saving the model")
    name = f"slot-{slot.id}-{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    trained.save(_root() / name)
    old = model.artefact
    model.artefact, model.algorithm, model.status = name, best, "ready"
    model.trained_at = utcnow()
    model.metrics = {"rankers": evaluation.results, "served": best,
                     "split": {"cut": _when(split.cut), "train_events": split.n_train_events,
                               "test_events": split.n_test_events,
                               "test_people": len(split.test_people),
                               "people": len(people), "items": len(log_all.items)}}
    model.fairness = fairness
    at = "@1" if len(log_all.items) <= recommend.K else "@10"  # a short list: the top pick
    key = "hit_rate_1" if at == "@1" else "hit_rate"
    model.message = (f"Serving {NAMES[best]}: hit rate{at} "
                     f"{evaluation.results[best].get(key, 0):.0%} against popularity's "
                     f"{evaluation.results['popularity'].get(key, 0):.0%}.")
    if old and old != name:
        _remove(old)
    return model


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value)


def _fairness(session: Session, slot: Slot, split: recommend.Split,
              hits: list[bool]) -> dict[str, list[list[Any]]]:
    """Hit rate@10 of the served ranker per group of each audited attribute, as counts
    [(group, people tested, hits)] -- aggregates only; the bias audit compares them."""
    from surveyapp.privacy import bias

    workspace = session.get(Workspace, slot.workspace_id)
    assert workspace is not None
    ids = [int(split.train.people[row]) for row in split.test_people]
    if not ids or not hits:
        return {}
    attrs: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):
        for cid, a in session.execute(select(Contact.id, Contact.attributes)
                                      .where(Contact.id.in_(ids[start:start + 900]))).all():
            attrs[int(cid)] = a or {}
    out: dict[str, list[list[Any]]] = {}
    for attribute in bias.candidate_attributes(session, workspace):
        counts: dict[str, list[int]] = {}
        for cid, hit in zip(ids, hits, strict=True):
            value = attrs.get(cid, {}).get(attribute)
            key = bias.NOT_SET if value in (None, "") else str(value)
            cell = counts.setdefault(key, [0, 0])
            cell[0] += 1
            cell[1] += int(hit)
        out[attribute] = [[k, n, h] for k, (n, h) in sorted(counts.items())]
    return out


def train_job(job: Job, progress: Any) -> dict[str, Any]:
    from surveyapp.extensions import db
    from surveyapp.jobs import JobFailed

    model = db.session.get(SlotModel, job.params.get("model_id"))
    if model is None:
        raise JobFailed("The slot's model no longer exists.")
    try:
        train(db.session, model, progress)
    except ModelInvalid as exc:
        db.session.rollback()
        model = db.session.get(SlotModel, job.params.get("model_id"))
        if model is not None:
            model.status, model.message = "failed", str(exc)
            db.session.commit()
        raise JobFailed(str(exc)) from None
    return {"message": model.message, "model_id": model.id}


# ----------------------------------------------------------------------------- artefacts
def _root() -> Path:
    root: Path = current_app.config["SETTINGS"].data_dir / "models" / "personalization"
    return root


def _remove(name: str) -> None:
    with _LOCK:
        _CACHE.pop(name, None)
    shutil.rmtree(_root() / name, ignore_errors=True)


_LOCK = threading.Lock()
_CACHE: OrderedDict[str, recommend.Trained] = OrderedDict()


def loaded(name: str) -> recommend.Trained | None:
    """The artefact, loaded once per process (the 32 most recently used are kept)."""
    with _LOCK:
        if name in _CACHE:
            _CACHE.move_to_end(name)
            return _CACHE[name]
    path = _root() / name
    if not path.is_dir():
        return None
    trained = recommend.Trained.load(path)
    with _LOCK:
        _CACHE[name] = trained
        while len(_CACHE) > 32:
            _CACHE.popitem(last=False)
    return trained


# ----------------------------------------------------------------------------- serving
@dataclass(frozen=True)
class Ranked:
    choice: Choice  # the variant the model picked (the rules' default when none is ranked)
    items: list[str]  # the top items, best first
    picked: bool = False  # the model picked the variant (else: none of its items is one)


def words(item: str) -> str:
    """An item as people read it: ``share_report`` -> “Share report”."""
    text = item.replace("_", " ").replace("-", " ").strip()
    return f"“{text[:1].upper()}{text[1:]}”" if text else item


_READY = hot.TtlCache("ready models")


@event.listens_for(SlotModel.status, "set")
def _status_changed(_target: SlotModel, _value: Any, _old: Any, _initiator: Any) -> None:
    _READY.clear()  # e.g. erasure stops a model serving: at once in this process


def _has_ready_model(session: Session, slot: Slot | hot.SlotState) -> bool:
    """Whether the slot has a ready model, kept ``hot.SLOT_SECONDS`` (most slots have
    none, and a decision should not ask on every call)."""
    return bool(_READY.get(session.get_bind().engine, (slot.id, str(slot.created_at)),
                           hot.SLOT_SECONDS, lambda: session.scalar(
                               select(SlotModel.id).where(SlotModel.slot_id == slot.id,
                                                          SlotModel.status == "ready"))
                           is not None))


def rank(session: Session, slot: Slot | hot.SlotState, definition: dict[str, Any],
         choice: Choice, contact_ids: list[int]) -> Ranked | None:
    """The model's decision when the slot has a ready model and no rule matched (rules
    come first: a researcher's rule is a decision someone made on purpose)."""
    if choice.rule is not None or not _has_ready_model(session, slot):
        return None
    model = model_of(session, slot)
    if model is None or model.status != "ready" or not model.artefact:
        return None
    trained = loaded(model.artefact)
    if trained is None:
        return None
    counts: dict[str, int] = {}
    if contact_ids:
        since = utcnow() - dt.timedelta(days=HISTORY_DAYS)
        item = _item_column(model)
        query = _events(session, model, slot.workspace_id, contact_ids,
                        sorted(definition["variants"])).where(
            Event.occurred_at >= since).with_only_columns(item, func.count()).group_by(item)
        counts = {str(i): int(n) for i, n in session.execute(query).all() if i is not None}
    items, because = trained.recommend(counts)
    variants = definition["variants"]
    pick = next((i for i in items if i in variants), None)
    if pick is None and not (model.item_event and items):
        return Ranked(choice, items)
    # A variant the model ranked; or, for content items (an event's property), the rules'
    # variant as the frame and the ranked items in ``items``.
    top = pick if pick is not None else items[0]
    if because:
        reason = ("Picked for you because you used " +
                  " and ".join(words(b) for b in because) +
                  f", and people who use {'them' if len(because) > 1 else 'it'} often use "
                  f"{words(top)} too.")
    else:
        reason = f"Picked for you: {words(top)} is what most people here use."
    return Ranked(Choice(pick if pick is not None else choice.variant, None, reason), items, True)


# ----------------------------------------------------------------------------- erasure
def retrain_after_erasure(session: Session, contacts: list[Contact]) -> int:
    """Every ready model whose training read these people's events stops serving and is
    retrained after the erasure commits (by then their events are gone). Returns how
    many models that is."""
    from surveyapp import jobs
    from surveyapp.privacy.derived import after_erasure

    ids = [c.id for c in contacts]
    if not ids:
        return 0
    env_ids = {c.environment_id for c in contacts}
    workspaces = set(session.scalars(select(Environment.workspace_id)
                                     .where(Environment.id.in_(env_ids))))
    affected = 0
    for workspace_id in workspaces:
        models = session.scalars(select(SlotModel).join(Slot, Slot.id == SlotModel.slot_id)
                                 .where(Slot.workspace_id == workspace_id,
                                        SlotModel.status == "ready")).all()
        for model in models:
            used = session.scalar(_events(session, model, workspace_id, ids)
                                  .with_only_columns(Event.id).limit(1))
            if used is None:
                continue
            workspace = session.get(Workspace, workspace_id)
            job = jobs.create_job(session, JOB, workspace, {"model_id": model.id})
            session.flush()
            old = model.artefact
            model.job_id, model.artefact = job.id, ""
            model.status = "training"
            model.message = "Retraining: a person the model learnt from was erased."
            job_id = job.id
            after_erasure(session, f"retrain personalization model {model.id}",
                          _after_erasure(old, job_id))
            affected += 1
    return affected


def _after_erasure(artefact: str, job_id: int) -> Callable[[], None]:
    """Once the erasure is committed: delete the old artefact, queue the retraining."""
    def run() -> None:
        from surveyapp import jobs

        if artefact:
            _remove(artefact)
        jobs.enqueue(job_id)
    return run
