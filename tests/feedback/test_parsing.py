import pytest

from feedback.parsing import reply_read


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4),
        (" 5 ", 5),
        ("voto 4", 4),
        ("4/5", 4),
        ("Voto: 2/5", 2),
        ("4 stelle", 4),
        ("Quattro", 4),
        ("cinque!", 5),
        ("five", 5),
        ("one", 1),
        ("Ottimo!!", 5),
        ("pessimo", 1),
        ("uno", 1),
    ],
)
def test_a_score_is_read_from_digits_and_words_in_italian_and_english(text, score):
    reply = reply_read(text)
    assert reply.score == score and not reply.stop


@pytest.mark.parametrize("text", ["STOP", "stop", "Basta", "NO SMS", "no sms!", "Stop please"])
def test_stop_words_stop_the_surveys(text):
    reply = reply_read(text)
    assert reply.stop and reply.score is None


@pytest.mark.parametrize("text", ["", "grazie", "3 o 4", "9", "0", "10/10", "chi è?"])
def test_anything_else_is_not_understood(text):
    assert not reply_read(text).understood
