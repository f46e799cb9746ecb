"""The intent parser: English and German questions to intents; others are not understood."""

import pytest

from handlers.intents import BALANCE, HELP, LICENSED, guess_language, parse_intent


@pytest.mark.parametrize(("text", "intent", "language"), [
    ("what's our balance?", BALANCE, "en"),
    ("What\u2019s our balance?", BALANCE, "en"),
    ("balance", BALANCE, "en"),
    ("how much credit is left", BALANCE, "en"),
    ("<@UBOT> how many credits do we have?", BALANCE, "en"),
    ("Wie hoch ist das Guthaben?", BALANCE, "de"),
    ("Kontostand", BALANCE, "de"),
    ("am I licensed?", LICENSED, "en"),
    ("do I have a license", LICENSED, "en"),
    ("Do I have a licence?", LICENSED, "en"),
    ("Bin ich lizenziert?", LICENSED, "de"),
    ("Habe ich eine Lizenz?", LICENSED, "de"),
    ("help", HELP, "en"),
    ("Hilfe", HELP, "de"),
])
def test_questions_map_to_intents(text, intent, language):
    parsed = parse_intent(text)
    assert (parsed.name, parsed.language, parsed.understood) == (intent, language, True)


@pytest.mark.parametrize("text", [
    "tell me a joke",
    "Erzähl mir einen Witz",
    "how much is the fish?",
])
def test_other_questions_are_not_understood(text):
    parsed = parse_intent(text)
    assert parsed.name == HELP and not parsed.understood


def test_a_bare_mention_is_a_request_for_help():
    parsed = parse_intent("<@UBOT>")
    assert parsed.name == HELP and parsed.understood and parsed.language is None


@pytest.mark.parametrize(("text", "language"), [
    ("Was kostet ein Anruf nach Japan?", "de"),
    ("how much does it cost to call Japan?", "en"),
    ("", None),
])
def test_language_is_guessed_from_the_words(text, language):
    assert guess_language(text.lower()) == language
