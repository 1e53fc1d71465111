"""A small multi-output averaged perceptron over string features.

Each of ``K`` outputs is an independent binary classifier (multi-label), which
suits role fillers (a string may be both perpetrator individual and
organisation) and incident types (a report may describe several incidents).
Weights are stored as JSON (optionally gzip-compressed): never pickle.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from watchfloor.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Example:
    """One training instance: its features and, per output, whether it is positive."""

    features: list[str]
    labels: list[bool]


@dataclass(slots=True)
class MultiPerceptron:
    """Averaged perceptron with ``len(outputs)`` binary outputs sharing one feature table."""

    outputs: list[str]
    weights: dict[str, list[float]] = field(default_factory=dict)
    bias: list[float] = field(default_factory=list)

    def scores(self, features: Sequence[str]) -> list[float]:
        """Raw score of every output for one feature set."""
        out = list(self.bias) if self.bias else [0.0] * len(self.outputs)
        for feature in features:
            row = self.weights.get(feature)
            if row is not None:
                for k, value in enumerate(row):
                    out[k] += value
        return out

    def to_json(self) -> dict[str, Any]:
        return {"outputs": self.outputs, "bias": self.bias, "weights": self.weights}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> MultiPerceptron:
        try:
            return cls(outputs=list(raw["outputs"]), weights=dict(raw["weights"]), bias=list(raw["bias"]))
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"malformed perceptron weights: {exc}") from exc


def train_perceptron(
    examples: Sequence[Example],
    *,
    outputs: Sequence[str],
    epochs: int = 8,
    positive_weight: float = 1.0,
    seed: int = 13,
    prune: float = 1e-3,
) -> MultiPerceptron:
    """Train with shuffling each epoch; return the averaged weights (rounded, tiny ones pruned)."""
    k_out = len(outputs)
    weights: dict[str, list[float]] = {}
    totals: dict[str, list[float]] = {}  # sum of c * update, for the averaging trick
    bias = [0.0] * k_out
    bias_totals = [0.0] * k_out
    order = list(range(len(examples)))
    rng = random.Random(seed)
    step = 1
    for epoch in range(epochs):
        rng.shuffle(order)
        mistakes = 0
        for index in order:
            example = examples[index]
            scores = list(bias)
            for feature in example.features:
                row = weights.get(feature)
                if row is not None:
                    for k in range(k_out):
                        scores[k] += row[k]
            for k in range(k_out):
                sign = 1.0 if example.labels[k] else -1.0
                if sign * scores[k] <= 0.0:
                    mistakes += 1
                    delta = sign * (positive_weight if example.labels[k] else 1.0)
                    bias[k] += delta
                    bias_totals[k] += step * delta
                    for feature in example.features:
                        row = weights.get(feature)
                        if row is None:
                            row = weights[feature] = [0.0] * k_out
                            totals[feature] = [0.0] * k_out
                        row[k] += delta
                        totals[feature][k] += step * delta
            step += 1
        log.info("perceptron epoch %d: %d mistakes over %d examples", epoch + 1, mistakes, len(examples))
    averaged: dict[str, list[float]] = {}
    for feature, row in weights.items():
        total = totals[feature]
        avg = [round(row[k] - total[k] / step, 4) for k in range(k_out)]
        if any(abs(v) >= prune for v in avg):
            averaged[feature] = avg
    avg_bias = [round(bias[k] - bias_totals[k] / step, 4) for k in range(k_out)]
    return MultiPerceptron(outputs=list(outputs), weights=averaged, bias=avg_bias)


def save_json(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON, gzip-compressed when the name ends in ``.gz``."""
    data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def load_json(path: Path) -> dict[str, Any]:
    """Read JSON written by ``save_json``; ``ConfigError`` when missing or malformed."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        raw = json.loads(data.decode("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: model weights not found (train them with scripts/train_muc4.py)") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable model weights ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: model weights must be a JSON object")
    return raw


def train_logistic(
    examples: Sequence[Example],
    *,
    outputs: Sequence[str],
    iterations: int = 150,
    learning_rate: float = 0.05,
    l2: float = 1e-4,
    min_count: int = 2,
    positive_weight: float = 1.0,
    prune: float = 1e-3,
) -> MultiPerceptron:
    """Multi-label logistic regression (full-batch Adam on sparse binary features, numpy); same output type.

    Features seen fewer than ``min_count`` times are dropped.  Scores are log-odds, so a threshold of 0
    means probability 0.5.
    """
    import numpy as np

    counts: dict[str, int] = {}
    for example in examples:
        for feature in example.features:
            counts[feature] = counts.get(feature, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    rows: list[int] = []
    cols: list[int] = []
    for r, example in enumerate(examples):
        for feature in example.features:
            index = vocab.get(feature)
            if index is not None:
                rows.append(r)
                cols.append(index)
    row_ids = np.asarray(rows, dtype=np.int64)
    col_ids = np.asarray(cols, dtype=np.int64)
    n, d, k = len(examples), len(vocab), len(outputs)
    y = np.asarray([[1.0 if lab else 0.0 for lab in ex.labels] for ex in examples], dtype=np.float64).reshape(n, k)
    sample_weight = np.where(y > 0, positive_weight, 1.0)
    w = np.zeros((d, k))
    b = np.zeros(k)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, iterations + 1):
        z = np.empty((n, k))
        for j in range(k):
            z[:, j] = np.bincount(row_ids, weights=w[col_ids, j], minlength=n) + b[j]
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) * sample_weight / n
        grad_w = np.empty_like(w)
        for j in range(k):
            grad_w[:, j] = np.bincount(col_ids, weights=g[row_ids, j], minlength=d)
        grad_w += l2 * w
        grad_b = g.sum(axis=0)
        for param, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= learning_rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps)
        if step % 25 == 0:
            loss = -np.mean(sample_weight * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
            log.info("logistic step %d: loss %.4f", step, loss)
    weights = {f: [round(float(x), 4) for x in w[i]] for f, i in vocab.items() if float(np.abs(w[i]).max()) >= prune}
    return MultiPerceptron(outputs=list(outputs), weights=weights, bias=[round(float(x), 4) for x in b])
