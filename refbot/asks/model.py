"""The ask model: a logistic regression over `features`, shipped as weights in `model.json`. Pure after loading.

Trained by ``refbot asks train`` (``refbot/asks/train.py``, needs scikit-learn) on the tuning corpus.
Scoring needs no third-party library: it adds the weights of the features present, each group
scaled by 1/sqrt(its size), exactly as the training matrix was built. The file is read on the first
call, never at import, so commands that never read a message start no slower.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["MODEL_PATH", "AskModel", "load_model"]

MODEL_PATH = Path(__file__).with_name("model.json")


@dataclass(frozen=True)
class AskModel:
    bias: float
    weights: dict[str, float]
    threshold: float  # probability at or above which a message is an ask (a public reply)
    unsure: float  # probability at or above which, below `threshold`, the asker gets a private hint

    def score(self, groups: dict[str, set[str]]) -> float:
        """The log-odds that the message is an ask."""
        total = self.bias
        weights = self.weights
        known = weights.keys()
        for feats in groups.values():
            if feats:
                total += sum(map(weights.__getitem__, known & feats)) / math.sqrt(len(feats))
        return total

    def logit(self, groups: dict[str, set[str]]) -> tuple[float, list[tuple[float, str]]]:
        """The log-odds that the message is an ask, and each known feature's contribution (slower)."""
        total = self.bias
        parts: list[tuple[float, str]] = []
        weights = self.weights
        for feats in groups.values():
            if not feats:
                continue
            scale = 1.0 / math.sqrt(len(feats))
            for f in weights.keys() & feats:
                part = weights[f] * scale
                total += part
                parts.append((part, f))
        return total, parts

    def probability(self, groups: dict[str, set[str]]) -> float:
        z = self.score(groups)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@cache
def load_model(path: Path = MODEL_PATH) -> AskModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return AskModel(
        bias=float(data["bias"]),
        weights={str(k): float(v) for k, v in data["weights"].items()},
        threshold=float(data["threshold"]),
        unsure=float(data["unsure"]),
    )
