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
RATE = "rate"
SPEND = "spend"
MINUTES = "minutes"

MENTION = re.compile(r"<[@#!][^>]*>")
# Words frequent in German questions and rare in English ones: enough to pick the answer's
# language when Slack does not tell us the user's locale.
GERMAN_WORDS = frozenset({
    "ich", "du", "sie", "wir", "ist", "bin", "habe", "hat", "wie", "was", "wo", "wer", "wieviel",
    "viel", "viele", "noch", "mein", "meine", "unser", "unsere", "der", "die", "das", "ein",
    "eine", "nicht", "und", "oder", "kann", "kannst", "bitte", "danke", "hallo", "hilfe",
    "guthaben", "kontostand", "lizenz", "lizenziert", "anruf", "kostet",
    "nach", "für", "tarif", "diesen", "monat", "ausgegeben", "letzten", "teuer", "minuten",
    "telefoniert", "telefonieren", "im", "den", "es", "zu",
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
    # Own minutes, own spend and rates come before the balance: "how much did I spend" is no
    # balance question.
    _rule(MINUTES, "en",
          r"\bhow many minutes\b.*\b(i|me|my)\b",
          r"\bmy (own )?minutes\b"),
    _rule(MINUTES, "de",
          r"\bwie ?viele minuten\b.*\b(ich|hab|habe)\b",
          r"\bmeine (eigenen )?minuten\b"),
    _rule(SPEND, "en",
          r"\bhow much (did|have|do) i\b.*\bspen[dt]\b",
          r"\b(what|how much) (did|have) i (spent|spend|used|use)\b",
          r"\bmy (own )?(spend|spending|usage|call costs)\b"),
    _rule(SPEND, "de",
          r"\bwie ?viel (habe|hab) ich\b.*\b(ausgegeben|verbraucht|vertelefoniert)\b",
          r"\bmeine (eigenen )?(ausgaben|nutzung|anrufkosten)\b"),
    _rule(RATE, "en",
          r"\bhow much\b.*\b(cost|costs|charge)\b.*\b(call|calls|calling|dial)\b",
          r"\bhow much\b.*\b(call|calls|calling)\b.*\b(cost|costs)\b",
          r"\b(call|calls|calling) (to|into)\b.*\b(cost|costs|price)\b",
          r"\bhow much is a call\b",
          r"\bhow expensive\b.*\b(call|calls|calling|dial|dialling|minute)\b",
          r"\b(rate|rates|price|prices|tariff|tariffs) (for|of|to)\b",
          r"\bcost (of|for) (a call|calls|calling)\b",
          r"\bcosts? to (call|dial|ring)\b",
          r"^(?:\+|00)\d[\d\s\-().\/]{5,}\d\W*$"),
    _rule(RATE, "de",
          r"\bwas (kostet|kosten)\b.*\b(anruf|anrufe|anrufen|telefonat|telefonieren|nach|minute"
          r"|in die|in den|ins)\b",
          r"\bwie ?viel kostet\b.*\b(anruf|telefonat|telefonieren|nach|minute)\b",
          r"\bwie teuer\b.*\b(anruf|anrufe|anrufen|anzurufen|telefonat|telefonieren|nach|minute"
          r"|in die|in den|ins)\b",
          r"\b(tarif|tarife|preis|preise) (für|nach)\b"),
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


# -- the arguments of rate and spend questions ------------------------------------------------

_NUMBER = re.compile(r"(?:\+|\b00|\b0)?\d[\d\s\-().\/]{3,}\d")
_BEFORE_PLACE = re.compile(
    r"\b(?:call(?:s|ing)?(?:\s+(?:to|into))?|dial(?:ling)?(?:\s+to)?|rates?\s+(?:for|to)"
    r"|prices?\s+(?:for|of|to)|tariffs?\s+(?:for|to)|costs?\s+(?:for|of|to)"
    r"|(?:ein(?:en)?\s+)?(?:anruf|anrufe|anrufen|telefonat)\s+(?:nach|in)"
    r"|(?:tarif|tarife|preis|preise)\s+(?:für|nach)|nach|in\s+(?:die|den|der|das)|ins)(?=\W|$)")
# Prepositions and articles between those words and the country: "in die USA", "to the US".
_BEFORE_NAME = re.compile(r"^(?:(?:in|into|to|nach|für|ins|the|die|den|der|das|dem)\s+)+")
_AFTER_PLACE = re.compile(
    r"(?:\s+(?:cost|costs|kosten|kostet|per minute|a minute|pro minute|je minute|zu "
    r"telefonieren|telefonieren|anzurufen|please|bitte|now|today|heute|from here|von hier))+$")


def rate_target(text: str) -> str | None:
    """What a rate question asks about: a number, else the words after "call to", "nach"…"""
    number = _NUMBER.search(text)
    if number:
        return number[0].strip()
    places = list(_BEFORE_PLACE.finditer(text))
    if not places:
        return None
    target = text[places[-1].end():].strip(" ?!.,:;")
    target = _AFTER_PLACE.sub("", target).strip(" ?!.,:;")
    return _BEFORE_NAME.sub("", target) or None


_LAST_DAYS = re.compile(r"\b(?:last|past|letzten|vergangenen)\s+(\d{1,3})\s+(?:days?|tagen?)\b")


# A month by its full English or German name (short forms are people's names too: "Jan"), with
# its year if one follows; "may" only after "in"/"for"/"during", as it is a verb too.
_MONTH_WORDS = ("january|february|march|april|june|july|august|september|october|november"
                "|december|januar|jänner|februar|märz|maerz|mai|juni|juli|oktober|dezember")
_NAMED_MONTH = re.compile(
    rf"\b(?:({_MONTH_WORDS})|(?:in|for|during) (may))(?:\s+(\d{{4}}))?\b")
_ISO_MONTH = re.compile(r"\b(\d{4}-\d{2})\b")


def spend_period(text: str) -> str:
    """The period a spend or minutes question names (this month when it names none), in
    words `parse_period` reads: "october 2025" is that October, "october" the most recent."""
    days = _LAST_DAYS.search(text)
    if days:
        return f"last-{int(days[1])}-days" if int(days[1]) else "last-1-days"
    if re.search(r"\b(last|previous) month\b|\b(letzten|vorigen|vergangenen) monat\b"
                 r"|\bvormonat\b", text):
        return "last-month"
    named = _NAMED_MONTH.search(text)
    if named:
        month = named[1] or named[2]
        return f"{month} {named[3]}" if named[3] else month
    iso = _ISO_MONTH.search(text)
    if iso:
        return iso[1]
    if re.search(r"\btoday\b|\bheute\b", text):
        return "last-1-days"
    return "this-month"
