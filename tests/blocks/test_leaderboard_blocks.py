from refbot.blocks.leaderboard import (
    Advocate,
    Board,
    Leader,
    ProgramTotals,
    WonDeal,
    leaderboard_message,
    totals_line,
)
from refbot.playground.slack_api import texts_of, validate_blocks


def test_ties_share_a_medal_and_fourth_place_is_a_number():
    _, blocks = leaderboard_message(Board(title="t", span="s", nominators=(
        Leader("U1", 2), Leader("U2", 2), Leader("U3", 1), Leader("U4", 0))))
    lines = blocks[2]["text"]["text"].splitlines()[1:]
    assert [line.split(" ")[0] for line in lines] == [":first_place_medal:", ":first_place_medal:",
                                                      ":third_place_medal:", "4."]


def test_plurals_in_every_line():
    assert totals_line(ProgramTotals(requests=1, approvals=2, calls=1, debriefs=0)) == (
        "1 request · 2 approvals · 1 call · 0 debriefs")
    assert totals_line(ProgramTotals(nominations=1, deals_won=2, influenced=1_200_000)).endswith(
        "1 new reference · 2 deals won ($1.2M)")
    _, blocks = leaderboard_message(Board(title="t", span="s", debriefers=(Leader("U1", 3, 3), Leader("U2", 1, 0)),
                                          advocates=(Advocate("Dana", "Globex", 1),), more_advocates=1,
                                          totals=ProgramTotals(debriefs=4)))
    text = "\n".join(texts_of(blocks))
    assert "3 debriefs, all on time" in text and "<@U2> · 1 debrief\n" in text + "\n"
    assert "Dana, Globex · 1 activity" in text and "…and 1 more advocate" in text


def test_long_names_and_user_text_stay_within_limits_and_are_escaped():
    board = Board(
        title="x" * 200, span="s",
        advocates=tuple(Advocate("<!channel> " + "n" * 300, "a" * 300, 2) for _ in range(8)), more_advocates=500,
        deals=tuple(WonDeal("p" * 300, 10**9, "U1", tuple("r" * 100 for _ in range(20))) for _ in range(5)),
        more_deals=3, totals=ProgramTotals(deals_won=8),
    )
    text, blocks = leaderboard_message(board)
    assert validate_blocks(blocks, surface="message") == [] and len(text) <= 3000
    shown = "\n".join(texts_of(blocks))
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "…and 500 more advocates" in shown and "…and 3 more deals" in shown
