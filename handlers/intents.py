"""Plain words to intents, in English and German: keyword rules, no language model.

Each intent is a `Rule` with the patterns that recognise it, in the order they are tried. A new
question (rates, own spend) is a new rule here and an answer in `handlers.messages.ANSWERS`;
words no rule recognises get the `help` answer, which lists what is understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HELP = "help"
BALANCE = "balance"
LICENSED = "licensed"

MENTION = re.compile(r"<[@#!][^>]*>")
# Words frequent in German questions and rare in English ones: enough to pick the answer's
# language when Slack does not tell us the user's locale.
GERMAN_WORDS = frozenset({
    "ich", "du", "sie", "wir", "ist", "bin", "habe", "hat", "wie", "was", "wo", "wer", "wieviel",
    "viel", "viele", "noch", "mein", "meine", "unser", "unsere", "der", "die", "das", "ein",
    "eine", "nicht", "und", "oder", "kann", "kannst", "bitte", "danke", "hallo", "hilfe",
    "guthaben", "kontostand", "lizenz", "lizenziert", "anruf", "kostet",
})


@dataclass(frozen=True)
class Rule:
    intent: str
    language: str  # the language of these patterns: "en" or "de"
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self.patterns)


def _rule(intent: str, language: str, *patterns: str) -> Rule:
    return Rule(intent, language, tuple(re.compile(p) for p in patterns))


RULES: tuple[Rule, ...] = (
    _rule(LICENSED, "en",
          r"\b(am i|are we|do i|have i|i am|i'm|is my|my)\b.*\blicen[cs](e|ed|es)?\b",
          r"\blicen[cs]ed\b.*\?"),
    _rule(LICENSED, "de",
          r"\b(bin ich|habe ich|hab ich|ich bin|ich habe|meine?)\b.*\blizen(z|ziert)",
          r"\blizenziert\b.*\?"),
    _rule(BALANCE, "en",
          r"\bbalance\b",
          r"\bhow much (credit|credits|money)\b",
          r"\b(credit|credits|money)\b.*\b(left|remaining|remain)\b",
          r"\bhow many credits\b"),
    _rule(BALANCE, "de",
          r"\bguthaben\b", r"\bkontostand\b", r"\bkontostands\b",
          r"\bwie ?viel\b.*\b(credits?|geld)\b.*\b(übrig|noch)\b"),
    _rule(HELP, "en", r"^(help|\?|hi|hello|hey)\W*$", r"\bwhat can you do\b",
          r"\bhow do (i|you) use\b"),
    _rule(HELP, "de", r"^(hilfe|hallo|moin|servus)\W*$", r"\bwas kannst du\b"),
)


@dataclass(frozen=True)
class Intent:
    """What a message asks, and the language of its words when they tell."""

    name: str
    language: str | None
    text: str
    understood: bool = True


def normalise(text: str) -> str:
    """Lower-case words without mentions, curly quotes or extra spaces."""
    text = MENTION.sub(" ", text).replace("\u2019", "'").replace("\u00a0", " ")
    return " ".join(text.lower().split())


def guess_language(text: str) -> str | None:
    """`de` when the words look German, `en` when there are words at all, else None."""
    words = re.findall(r"[a-zäöüß']+", text)
    if not words:
        return None
    german = sum(word in GERMAN_WORDS for word in words)
    return "de" if german and german * 4 >= len(words) else "en"


def parse_intent(text: str) -> Intent:
    """The intent of a DM or mention; `help` (not understood) when no rule matches."""
    clean = normalise(text)
    for rule in RULES:
        if rule.matches(clean):
            return Intent(rule.intent, rule.language, clean)
    return Intent(HELP, guess_language(clean), clean, understood=not clean)
