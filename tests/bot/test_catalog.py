"""Every sentence the code marks for translation has its German in the shipped catalog.

The template is extracted from the source at test time, as `scripts/extract-messages` does, so
a new `t("...")` without a German msgstr fails here instead of reaching a German user in
English."""

from __future__ import annotations

import ast
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import KEYWORDS, catalog_path, language, t

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers")
METHOD_MAP = [("**.py", "python")]  # as babel.cfg


def extracted() -> dict[str, str]:
    """The template's message ids, each with where it is first marked."""
    found: dict[str, str] = {}
    for source in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
                ROOT / source, METHOD_MAP, keywords=KEYWORDS, comment_tags=()):
            if isinstance(message, str) and message:
                found.setdefault(message, f"{source}/{filename}:{line}")
    return found


def german() -> Catalog:
    with catalog_path("de").open("rb") as source:
        return read_po(source, locale="de")


def placeholders(text: str) -> list[str]:
    return sorted({name for _, name, _, _ in Formatter().parse(text) if name is not None})


def translation_faults(template: dict[str, str], catalog: Catalog) -> list[str]:
    """Each message of the template that a German user would read wrong: untranslated, fuzzy,
    or with other placeholders than the English (a KeyError, or a value lost, at run time)."""
    faults = []
    for message, where in template.items():
        entry = catalog.get(message)
        if entry is None or not entry.string:
            faults.append(f"{where}: no German for {message!r}")
        elif entry.fuzzy:
            faults.append(f"{where}: the German of {message!r} is fuzzy (needs review)")
        elif placeholders(str(entry.string)) != placeholders(message):
            faults.append(f"{where}: placeholders of {message!r} differ in German "
                          f"{placeholders(str(entry.string))} != {placeholders(message)}")
    return faults


def test_every_marked_sentence_has_its_german_translation():
    template = extracted()
    assert len(template) > 200  # the extraction found the code's sentences at all
    assert translation_faults(template, german()) == []


def test_a_sentence_without_german_is_caught():
    template = extracted()
    catalog = german()
    message = "Your Communications Credits balance is *{balance}*."
    assert message in template
    catalog[message].string = ""
    assert translation_faults(template, catalog) == [
        f"{template[message]}: no German for {message!r}"]
    catalog[message].string = "Ihr Guthaben beträgt *{betrag}*."
    assert "placeholders" in translation_faults(template, catalog)[0]
    del catalog[message]
    assert len(translation_faults(template, catalog)) == 1


def test_the_catalog_holds_no_sentence_the_code_no_longer_says():
    template = extracted()
    stale = [entry.id for entry in german() if entry.id and entry.id not in template]
    assert stale == []  # scripts/extract-messages drops them


def marked_literals() -> dict[str, str]:
    """What the code marks, read by Python's own parser (it sees into f-strings and nested
    calls, where Babel's extractor does not)."""
    found: dict[str, str] = {}
    for source in SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in KEYWORDS and node.args
                        and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found.setdefault(node.args[0].value,
                                     f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_babel_extracts_every_marked_sentence():
    template = extracted()
    missed = {message: where for message, where in marked_literals().items()
              if message not in template}
    assert missed == {}  # move the t(...) out of the f-string or the enclosing marked call


@pytest.mark.parametrize(("locale", "lang"), [
    ("de", "de"), ("de-DE", "de"), ("de_AT", "de"), ("DE-ch", "de"),
    ("en-US", "en"), ("en", "en"), ("fr-FR", "en"), ("", "en"), (None, "en"), ("dev", "en"),
])
def test_a_slack_locale_picks_its_catalog(locale, lang):
    assert language(locale) == lang


def test_sentences_read_in_the_users_language():
    message = "Your Communications Credits balance is *{balance}*."
    assert t(message, "de-DE", balance="5 $") == (
        "Ihr Guthaben an Communications Credits beträgt *5 $*.")
    assert t(message, "en-GB", balance="$5") == "Your Communications Credits balance is *$5*."
    assert t("A sentence the catalog lacks, {x}.", "de", x=1) == "A sentence the catalog lacks, 1."
