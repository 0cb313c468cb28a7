"""The labelled channel messages the ask detector is tuned and measured on (`tests/data/asks/`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_DIR",
    "CorpusError",
    "Figures",
    "Row",
    "add_row",
    "evaluate",
    "heldout_path",
    "read_rows",
    "tune_path",
]

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "asks"


class CorpusError(Exception):
    """A corpus file is missing or malformed, or a row cannot be added; the message says which and why."""


@dataclass(frozen=True)
class Row:
    text: str
    is_ask: bool


@dataclass(frozen=True)
class Figures:
    messages: int
    asks: int
    precision: float
    recall: float
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def tune_path(directory: Path = DEFAULT_DIR) -> Path:
    return directory / "tune.jsonl"


def heldout_path(directory: Path = DEFAULT_DIR) -> Path:
    return directory / "heldout.jsonl"


def read_rows(path: Path) -> list[Row]:
    if not path.is_file():
        raise CorpusError(
            f"{path} does not exist. Pass --corpus with the folder that holds tune.jsonl and heldout.jsonl."
        )
    rows: list[Row] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path.name} line {number} is not JSON ({exc.msg}).") from None
        text, is_ask = (
            data.get("text") if isinstance(data, dict) else None,
            data.get("is_ask") if isinstance(data, dict) else None,
        )
        if not isinstance(text, str) or not isinstance(is_ask, bool):
            raise CorpusError(f'{path.name} line {number} needs a "text" string and an "is_ask" true/false.')
        rows.append(Row(text, is_ask))
    return rows


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def add_row(*, directory: Path, text: str, is_ask: bool) -> Row:
    """Append one labelled message to the tuning part (never the held-out part). Refuses duplicates."""
    text = text.strip()
    if not text:
        raise CorpusError("The message is empty: pass the message text in quotes.")
    key = _key(text)
    for path, part in ((tune_path(directory), "tuning"), (heldout_path(directory), "held-out")):
        for row in read_rows(path):
            if _key(row.text) == key:
                label = "an ask" if row.is_ask else "not an ask"
                raise CorpusError(
                    f"That message is already in the {part} part, labelled {label}; nothing added."
                )
    row = Row(text, is_ask)
    with tune_path(directory).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": row.text, "is_ask": row.is_ask}, ensure_ascii=False) + "\n")
    return row


def evaluate(rows: Iterable[Row], is_ask: Callable[[str], bool]) -> Figures:
    rows = list(rows)
    false_positives = [r.text for r in rows if not r.is_ask and is_ask(r.text)]
    missed = [r.text for r in rows if r.is_ask and not is_ask(r.text)]
    asks = sum(r.is_ask for r in rows)
    true_positives = asks - len(missed)
    return Figures(
        messages=len(rows),
        asks=asks,
        precision=true_positives / ((true_positives + len(false_positives)) or 1),
        recall=true_positives / (asks or 1),
        false_positives=false_positives,
        missed=missed,
    )
