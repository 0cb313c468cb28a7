"""`refbot asks add|eval|train`: grow the channel-ask corpus with real misses and re-measure the detector.

Offline: no Slack token or database. The corpus is `tests/data/asks/` of the checkout (``--corpus``
to point elsewhere); `add` writes only to the tuning part, never the held-out part.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from refbot.cli import core as cli

if TYPE_CHECKING:
    from refbot.asks import AskDetection


def _corpus(args: argparse.Namespace) -> Path:
    from refbot.asks.corpus import DEFAULT_DIR

    return Path(args.corpus) if args.corpus else DEFAULT_DIR


def cmd_add(args: argparse.Namespace) -> int:
    from refbot.asks import detect_ask
    from refbot.asks.corpus import CorpusError, add_row, tune_path

    directory = _corpus(args)
    try:
        row = add_row(directory=directory, text=args.text, is_ask=args.is_ask)
    except CorpusError as exc:
        raise cli.CLIError(str(exc)) from None
    label = "an ask" if row.is_ask else "not an ask"
    print(f"Added to {tune_path(directory)} as {label}.")
    detection = detect_ask(row.text)
    if detection.is_ask != row.is_ask:
        now = "an ask" if detection.is_ask else "unsure" if detection.unsure else "not an ask"
        print(f"The shipped model reads it as {now} today; `refbot asks train` retrains it on the tuning part.")
    return 0


def _line(name: str, messages: int, asks: int, precision: float, recall: float) -> str:
    return f"{name:<10} {messages:>5} messages, {asks:>4} asks   precision {precision:.3f}   recall {recall:.3f}"


def _is_ask(detections: dict[str, AskDetection], text: str) -> bool:
    return detections[text].is_ask


def cmd_eval(args: argparse.Namespace) -> int:
    from refbot.asks import detect_ask
    from refbot.asks.corpus import CorpusError, evaluate, heldout_path, read_rows, tune_path

    directory = _corpus(args)
    try:
        parts = [("held-out", read_rows(heldout_path(directory))), ("tuning", read_rows(tune_path(directory)))]
    except CorpusError as exc:
        raise cli.CLIError(str(exc)) from None
    for name, rows in parts:
        detections = {row.text: detect_ask(row.text) for row in rows}
        figures = evaluate(rows, partial(_is_ask, detections))
        unsure = sum(d.unsure for d in detections.values())
        print(_line(name, figures.messages, figures.asks, figures.precision, figures.recall) + f"   unsure {unsure}")
        if args.show and name == "tuning":  # never the held-out messages: nobody tunes against them
            for text in figures.false_positives:
                print(f"  false positive: {text!r}")
            for text in figures.missed:
                print(f"  missed ask:     {text!r}")
    print("Public reply when the model is sure; 'unsure' asks get only a private hint to the asker.")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from refbot.asks import train  # scikit-learn itself is imported only when training starts
    from refbot.asks.corpus import CorpusError, read_rows, tune_path
    from refbot.asks.model import MODEL_PATH, load_model
    try:
        rows = read_rows(tune_path(_corpus(args)))
    except CorpusError as exc:
        raise cli.CLIError(str(exc)) from None
    asks = sum(r.is_ask for r in rows)
    if min(asks, len(rows) - asks) < train.FOLDS:
        raise cli.CLIError(
            f"Training needs at least {train.FOLDS} asks and {train.FOLDS} other messages in the tuning part "
            f"(it has {asks} and {len(rows) - asks}); nothing written."
        )
    try:
        cv = train.cross_validate(rows)
    except ImportError:
        raise cli.CLIError("Training needs scikit-learn: pip install 'refbot[dev]'.") from None
    print(
        f"tuning 5-fold cross-validation: precision {cv.precision:.3f}, recall {cv.recall:.3f}, "
        f"unsure {cv.unsure_share:.1%} of messages"
    )
    output = Path(args.output) if args.output else MODEL_PATH
    kept = train.train(rows, output)
    load_model.cache_clear()
    print(f"Wrote {output} ({kept} weights, trained on {len(rows)} messages). Check it with `refbot asks eval`.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("asks", help="the channel-ask detector: add real misses to its corpus, re-measure, retrain")
    asks = p.add_subparsers(dest="asks_command", metavar="{add,eval,train}", required=True)

    add = asks.add_parser("add", help="add one labelled message to the tuning part of the corpus")
    add.add_argument("text", help="the message, in quotes")
    label = add.add_mutually_exclusive_group(required=True)
    label.add_argument("--ask", dest="is_ask", action="store_true", help="it asks for a customer reference")
    label.add_argument("--not-ask", dest="is_ask", action="store_false", help="it does not")
    add.set_defaults(func=cmd_add)

    ev = asks.add_parser("eval", help="precision and recall on the held-out and tuning parts")
    ev.add_argument("--show", action="store_true", help="list the tuning part's misses and false alarms")
    ev.set_defaults(func=cmd_eval)

    tr = asks.add_parser("train", help="retrain the model on the tuning part (needs scikit-learn)")
    tr.add_argument("--output", metavar="FILE", help="write the model here instead of refbot/asks/model.json")
    tr.set_defaults(func=cmd_train)

    for command in (add, ev, tr):
        command.add_argument("--corpus", metavar="DIR", help="folder with tune.jsonl and heldout.jsonl")
