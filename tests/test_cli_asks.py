"""`refbot asks add|eval|train`: real misses join the tuning part only; figures are re-reported."""

from __future__ import annotations

import json

import pytest

from refbot import cli
from refbot.asks.model import load_model

ASKS = [f"anyone have a {w} customer who'd talk to my prospect?" for w in ("bank", "hospital", "retail", "telco", "school", "airline")]
CHATTER = [f"where is the API reference for the {w} endpoint?" for w in ("users", "orders", "events", "search", "billing", "export")]


@pytest.fixture
def corpus(tmp_path):
    def write(name, rows):
        (tmp_path / name).write_text("".join(json.dumps({"text": t, "is_ask": a}) + "\n" for t, a in rows))

    write("tune.jsonl", [(t, True) for t in ASKS[:4]] + [(t, False) for t in CHATTER[:4]])
    write("heldout.jsonl", [(t, True) for t in ASKS[4:]] + [(t, False) for t in CHATTER[4:]])
    return tmp_path


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_add_appends_to_the_tuning_part_only(corpus, capsys):
    heldout_before = (corpus / "heldout.jsonl").read_text()
    assert cli.main(["asks", "add", "does anyone know a customer who'd let a prospect visit?", "--ask", "--corpus", str(corpus)]) == 0
    assert cli.main(["asks", "add", "good reference for learning SQL?", "--not-ask", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "as an ask" in out and "as not an ask" in out
    assert _rows(corpus / "tune.jsonl")[-2:] == [
        {"text": "does anyone know a customer who'd let a prospect visit?", "is_ask": True},
        {"text": "good reference for learning SQL?", "is_ask": False},
    ]
    assert (corpus / "heldout.jsonl").read_text() == heldout_before


@pytest.mark.parametrize("part, text", [("tuning", ASKS[0]), ("held-out", "  " + ASKS[5].upper() + " ")])
def test_add_refuses_a_message_already_in_either_part(corpus, capsys, part, text):
    tune_before = (corpus / "tune.jsonl").read_text()
    assert cli.main(["asks", "add", text, "--not-ask", "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert f"already in the {part} part, labelled an ask" in err and "Traceback" not in err
    assert (corpus / "tune.jsonl").read_text() == tune_before


def test_add_needs_a_label_and_a_message(corpus, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["asks", "add", "anyone have a bank?", "--corpus", str(corpus)])
    assert exit_info.value.code == 2
    assert cli.main(["asks", "add", "   ", "--ask", "--corpus", str(corpus)]) == 1
    assert "The message is empty" in capsys.readouterr().err


def test_eval_reports_both_parts_and_never_lists_held_out_messages(corpus, capsys):
    assert cli.main(["asks", "eval", "--show", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "held-out       4 messages,    2 asks   precision" in out
    assert "tuning         8 messages,    4 asks   precision" in out
    for text in ASKS[4:] + CHATTER[4:]:
        assert text not in out


def test_eval_says_which_file_is_missing_or_broken(corpus, capsys):
    (corpus / "heldout.jsonl").unlink()
    assert cli.main(["asks", "eval", "--corpus", str(corpus)]) == 1
    assert "heldout.jsonl does not exist" in capsys.readouterr().err
    (corpus / "heldout.jsonl").write_text('{"text": "hi"}\n')
    assert cli.main(["asks", "eval", "--corpus", str(corpus)]) == 1
    assert 'heldout.jsonl line 1 needs a "text" string and an "is_ask" true/false' in capsys.readouterr().err


def test_train_writes_a_model_the_detector_can_read(corpus, tmp_path, capsys):
    pytest.importorskip("sklearn")
    output = tmp_path / "model.json"
    assert cli.main(["asks", "train", "--corpus", str(corpus), "--output", str(output)]) == 1
    assert "at least 5 asks and 5 other messages" in capsys.readouterr().err and not output.exists()
    for text, flag in ((ASKS[4] + " pls", "--ask"), (CHATTER[4] + " pls", "--not-ask")):
        assert cli.main(["asks", "add", text, flag, "--corpus", str(corpus)]) == 0
    assert cli.main(["asks", "train", "--corpus", str(corpus), "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "cross-validation: precision" in out and "trained on 10 messages" in out
    model = load_model(output)
    assert model.weights and 0 < model.unsure < model.threshold < 1
