"""What a caller's reply to the survey says: a score 1-5, a request to stop, or neither.

Read generously, in Italian and English: "4", "voto 4", "4/5", "4 stelle", "quattro", "four",
"ottimo" (5), "pessimo" (1); "STOP", "BASTA", "NO SMS" stop the surveys. A reply naming two
different scores ("3 o 4") is not a score.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SCORE_WORDS = {
    "uno": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "pessimo": 1, "ottimo": 5, "terrible": 1, "excellent": 5,
}  # fmt: skip
STOP_WORDS = frozenset({"stop", "basta", "unsubscribe", "cancellami", "nosms"})
STOP_PHRASES = frozenset({"no sms", "no more sms", "stop sms", "niente sms", "non voglio sms"})
OUT_OF = re.compile(r"(\d+)\s*/\s*(?:5|cinque)\b")


@dataclass(frozen=True)
class Reply:
    score: int | None = None
    stop: bool = False

    @property
    def understood(self) -> bool:
        return self.stop or self.score is not None


def _plain(text: str) -> str:
    """Lower case, accents off, punctuation as spaces (a phone's "Ottimo!!" is "ottimo")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9/]+", " ", bare).split())


def reply_read(text: str) -> Reply:
    """The survey reply ``text`` as a score, a stop, or neither (``understood`` False)."""
    plain = _plain(text)
    words = plain.replace("/", " ").split()
    if not words:
        return Reply()
    if plain in STOP_PHRASES or words[0] in STOP_WORDS or (len(words) <= 3 and "stop" in words):
        return Reply(stop=True)
    out_of = {int(m.group(1)) for m in OUT_OF.finditer(plain)}
    if out_of:
        numbers = out_of
    else:
        numbers = {int(word) for word in words if word.isdigit()}
        numbers |= {SCORE_WORDS[word] for word in words if word in SCORE_WORDS}
    if len(numbers) == 1 and (score := next(iter(numbers))) in range(1, 6):
        return Reply(score=score)
    return Reply()
