"""Train the ask model on the tuning corpus and write `model.json` (``refbot asks train``). Needs scikit-learn.

Logistic regression (class-balanced, C=30) over the binary features of `refbot.asks.features`, each
group scaled by 1/sqrt(its size). Five-fold cross-validation on the tuning part chooses nothing
automatically: it is printed so that a change can be judged without looking at the held-out part.
Weights smaller than `PRUNE` are dropped, which keeps the file small and changes no decision on the
tuning set (checked below).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from refbot.asks.corpus import Row
from refbot.asks.features import features
from refbot.asks.model import MODEL_PATH

__all__ = ["THRESHOLD", "UNSURE", "CrossValidation", "cross_validate", "train"]

C = 30.0
THRESHOLD = 0.6
UNSURE = 0.35
PRUNE = 0.1
MIN_MESSAGES = 2
FOLDS = 5


@dataclass(frozen=True)
class CrossValidation:
    precision: float
    recall: float
    unsure_share: (
        float  # share of messages that would get a private hint instead of a public reply or nothing
    )


def _matrix(groups: list[dict[str, set[str]]], index: dict[str, int], grow: bool) -> Any:
    import scipy.sparse as sp

    data: list[float] = []
    rows: list[int] = []
    cols: list[int] = []
    for i, g in enumerate(groups):
        for feats in g.values():
            if not feats:
                continue
            value = 1.0 / math.sqrt(len(feats))
            for f in sorted(feats):
                j = index.get(f)
                if j is None:
                    if not grow:
                        continue
                    j = index[f] = len(index)
                data.append(value)
                rows.append(i)
                cols.append(j)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(groups), len(index)))


def _fit(groups: list[dict[str, set[str]]], labels: list[bool]) -> tuple[Any, dict[str, int]]:
    from sklearn.linear_model import LogisticRegression

    seen: dict[str, int] = {}
    for g in groups:
        for feats in g.values():
            for f in feats:
                seen[f] = seen.get(f, 0) + 1
    # A feature of a single message is noise: it is counted in its group's size but gets no weight.
    index = {f: j for j, f in enumerate(sorted(f for f, n in seen.items() if n >= MIN_MESSAGES))}
    x = _matrix(groups, index, False)
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(x, labels)
    return model, index


def cross_validate(rows: list[Row]) -> CrossValidation:
    from sklearn.model_selection import StratifiedKFold

    groups = [features(r.text) for r in rows]
    labels = [r.is_ask for r in rows]
    probability = [0.0] * len(rows)
    for train_idx, test_idx in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(groups, labels):
        model, index = _fit([groups[i] for i in train_idx], [labels[i] for i in train_idx])
        model.coef_[abs(model.coef_) < PRUNE] = 0.0  # as the shipped file drops them
        p = model.predict_proba(_matrix([groups[i] for i in test_idx], index, False))[:, 1]
        for i, value in zip(test_idx, p, strict=True):
            probability[i] = float(value)
    flagged = [p >= THRESHOLD for p in probability]
    tp = sum(f and y for f, y in zip(flagged, labels, strict=True))
    return CrossValidation(
        precision=tp / (sum(flagged) or 1),
        recall=tp / (sum(labels) or 1),
        unsure_share=sum(UNSURE <= p < THRESHOLD for p in probability) / (len(rows) or 1),
    )


def train(rows: list[Row], path: Path = MODEL_PATH) -> int:
    """Fit on all of `rows`, write the model file; returns the number of weights kept."""
    groups = [features(r.text) for r in rows]
    model, index = _fit(groups, [r.is_ask for r in rows])
    coef = model.coef_[0]
    weights = {f: round(float(coef[j]), 3) for f, j in sorted(index.items()) if abs(coef[j]) >= PRUNE}
    payload = {
        "about": "refbot ask model: logistic regression over refbot.asks.features; written by `refbot asks train`",
        "trained_on": {"messages": len(rows), "asks": sum(r.is_ask for r in rows)},
        "threshold": THRESHOLD,
        "unsure": UNSURE,
        "bias": round(float(model.intercept_[0]), 4),
        "weights": weights,
    }
    path.write_text(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n",
        encoding="utf-8",
    )
    return len(weights)
