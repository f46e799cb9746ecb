"""Every sentence the code marks for translation has its German in the shipped catalog.

The template is extracted from the source at test time, as `scripts/extract-messages` does, so
a new `t("...")` without a German msgstr fails here instead of reaching a German user in
English."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import KEYWORDS, catalog_path, language, t, tn

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers")
METHOD_MAP = [("**.py", "python")]  # as babel.cfg


def extracted() -> dict[str, str]:
    """The template's message ids (a plural by its singular), each with where it is first
    marked."""
    found: dict[str, str] = {}
    for source in SOURCES:
        for filename, line, message, _comments, _context in extract_from_dir(
                ROOT / source, METHOD_MAP, keywords=KEYWORDS, comment_tags=()):
            singular = message[0] if isinstance(message, tuple) else message
            if isinstance(singular, str) and singular:
                found.setdefault(singular, f"{source}/{filename}:{line}")
    return found


def plurals() -> dict[str, tuple[str, str]]:
    """The (singular, plural) of each message marked with `tn`, by its singular."""
    found: dict[str, tuple[str, str]] = {}
    for source in SOURCES:
        for _filename, _line, message, _comments, _context in extract_from_dir(
                ROOT / source, METHOD_MAP, keywords=KEYWORDS, comment_tags=()):
            if isinstance(message, tuple):
                found[message[0]] = (message[0], message[1])
    return found


def german() -> Catalog:
    with catalog_path("de").open("rb") as source:
        return read_po(source, locale="de")


def placeholders(text: str) -> list[str]:
    return sorted({name for _, name, _, _ in Formatter().parse(text) if name is not None})


def translation_faults(template: dict[str, str], catalog: Catalog,
                       plural: dict[str, tuple[str, str]] | None = None) -> list[str]:
    """Each message of the template that a German user would read wrong: untranslated, fuzzy,
    or with other placeholders than the English (a KeyError, or a value lost, at run time).
    A plural message needs every form the catalog's Plural-Forms has; a form may leave out a
    placeholder ("the newest event" needs no count), but none may add one and together the
    forms use all of the English ones."""
    faults = []
    plural = plural or {}
    for message, where in template.items():
        entry = catalog.get(message)
        forms = (list(entry.string) if entry is not None and isinstance(entry.string, tuple)
                 else [entry.string] if entry is not None else [])
        english = sorted({name for text in plural.get(message, (message,))
                          for name in placeholders(text)})
        german_names = sorted({name for text in forms if text for name in placeholders(text)})
        if entry is None or not all(forms) or not forms:
            faults.append(f"{where}: no German for {message!r}")
        elif entry.fuzzy:
            faults.append(f"{where}: the German of {message!r} is fuzzy (needs review)")
        elif (message in plural) != isinstance(entry.string, tuple) or (
                message in plural and len(forms) != catalog.num_plurals):
            faults.append(f"{where}: the German of {message!r} has the wrong plural forms")
        elif german_names != english:
            faults.append(f"{where}: placeholders of {message!r} differ in German "
                          f"{german_names} != {english}")
    return faults


def test_every_marked_sentence_has_its_german_translation():
    template = extracted()
    assert len(template) > 200  # the extraction found the code's sentences at all
    assert len(plurals()) > 5  # and the sentences with plurals (`tn`)
    assert translation_faults(template, german(), plurals()) == []


def test_a_plural_without_its_german_forms_is_caught():
    template, plural = extracted(), plurals()
    catalog = german()
    message = "in {count} day"
    assert plural[message] == ("in {count} day", "in {count} days")
    catalog[message].string = ("in {count} Tag", "")
    assert translation_faults(template, catalog, plural) == [
        f"{template[message]}: no German for {message!r}"]
    catalog[message].string = ("in {count} Tag", "in {anzahl} Tagen")
    assert "placeholders" in translation_faults(template, catalog, plural)[0]


@pytest.mark.parametrize(("locale", "one", "two"), [
    ("en-US", "in 1 day", "in 2 days"), ("de-DE", "in 1 Tag", "in 2 Tagen")])
def test_plurals_read_right_for_one_and_two(locale, one, two):
    assert tn("in {count} day", "in {count} days", 1, locale) == one
    assert tn("in {count} day", "in {count} days", 2, locale) == two


def test_a_sentence_without_german_is_caught():
    template = extracted()
    catalog = german()
    message = "Your Communications Credits balance is *{balance}*."
    assert message in template
    catalog[message].string = ""
    assert translation_faults(template, catalog, plurals()) == [
        f"{template[message]}: no German for {message!r}"]
    catalog[message].string = "Ihr Guthaben beträgt *{betrag}*."
    assert "placeholders" in translation_faults(template, catalog, plurals())[0]
    del catalog[message]
    assert len(translation_faults(template, catalog, plurals())) == 1


def test_the_catalog_holds_no_sentence_the_code_no_longer_says():
    template = extracted()
    stale = [entry.id for entry in german()
             if entry.id and (entry.id[0] if isinstance(entry.id, tuple) else entry.id)
             not in template]
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


# --- no sentence left unmarked ------------------------------------------------------------------

# Where the bot speaks to people: every module of handlers/, and the parts of bot/ whose sentences
# reach a Slack user or the console. (bot/cli speaks to the operator, in English; rate-deck and
# usage-file row checks are read by the operator too.)
SPEAKING = ("handlers", "bot/errors.py", "bot/money.py", "bot/numbers/phone.py", "bot/deposits.py",
            "bot/usage/reports.py", "bot/usage/limits.py", "bot/console/session.py",
            "bot/console/render.py")
# Being made German by other branches of issue #10 (intents; alert texts): checked once merged.
ELSEWHERE = ("handlers/intents.py", "handlers/blocks/alert_messages.py")
# Two words or more: a sentence someone may read.
WORDS = re.compile(r"[A-Za-z]{2,}[,.:;!?]? +[`*_(]?[A-Za-z]{2,}")
RICH_MARKUP = re.compile(r"\[/?[a-z ]*\]")
# Text read by no person as a sentence of the bot's: names, what people type, data formats.
NOT_SENTENCES = {
    "handlers/actions/alert_buttons.py": {
        "Recharge now, from an alert",  # the ledger memo (stored data, like every memo)
        "usage last-7-days by destination"},  # a command's arguments
    "handlers/blocks/recommend.py": {"/credits autorecharge on {} below {}"},  # a command
    "handlers/commands/help.py": {"Credits Bot"},  # the product's name
    "handlers/commands/rate.py": {  # commands
        "`/credits rate +44 20 7946 0000`, `/credits rate Germany`, "
        "`/credits rate toll-free US`"},
    "handlers/dedupe.py": {"being answered"},  # an HTTP body Slack reads
    "handlers/tenancy.py": {  # audit details (English, as logs)
        "team {} is not the installed workspace {}",
        "the installed workspace is not known (auth.test failed)"},
    "bot/deposits.py": {"Communications Credits deposit of {}"},  # the gateway's description
    "bot/usage/reports.py": {  # the export's column names: a data format, read by programs
        "User name", "Destination number", "Call type", "Provider charge", "Call ID",
        "Record key", "Balance after", "Start (UTC)", "Deck price"},  # and the reconciliation's
    "handlers/blocks/payment_modal.py": {"American Express"},  # a card brand's name
    "bot/console/session.py": {
        "click ACTION VALUE", "locale de-DE", "locale en-US", "exit, quit, Ctrl-D",  # typed
        "/credits balance", "/credits help",  # typed
        "Credits Bot ", "App Home",  # names
        "Console demo", "demo deposit of the local console"},  # the demo's data
}
NOT_FOR_PEOPLE = {"ValueError", "TypeError", "RuntimeError", "KeyError", "LookupError",
                  "AssertionError", "NotImplementedError", "CurrencyMismatch"}
LOGGERS = {"log", "logger", "logging"}


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else (
        func.attr if isinstance(func, ast.Attribute) else "")


def _said_to_nobody(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside a marked call, a log line, an audit record, a programmer's error, or a usage
    line (`usage=`, `USAGE = …`: what is typed)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Call):
            name = _called(node)
            if name in KEYWORDS or name in NOT_FOR_PEOPLE or "audit" in name.lower():
                return True
            func = node.func
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id in LOGGERS):
                return True
        if isinstance(node, ast.keyword) and node.arg in ("detail", "usage"):
            return True
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id.endswith("USAGE")
                for target in node.targets):
            return True
    return False


def unmarked_sentences(root: Path = ROOT, sources: tuple[str, ...] = SPEAKING) -> list[str]:
    """Each string literal (or f-string) of the speaking modules that reads as words and is
    neither marked for translation nor one of NOT_SENTENCES."""
    paths: list[Path] = []
    for source in sources:
        where = root / source
        paths += sorted(where.rglob("*.py")) if where.is_dir() else [where]
    found = []
    for path in paths:
        name = str(path.relative_to(root))
        if name in ELSEWHERE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(part.value if isinstance(part, ast.Constant) else "{}"
                               for part in node.values)
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and not isinstance(parents.get(node), ast.JoinedStr)):
                text = node.value
            else:
                continue
            text = RICH_MARKUP.sub("", str(text))
            if (isinstance(parents.get(node), ast.Expr)  # a docstring
                    or not WORDS.search(text) or text in NOT_SENTENCES.get(name, ())
                    or _said_to_nobody(node, parents)):
                continue
            found.append(f"{name}:{getattr(node, 'lineno', 0)}: {text!r}")
    return found


def test_no_sentence_for_people_is_left_unmarked():
    # Mark it with t(...) or N_(...) (and translate it), or, when no person reads it as the
    # bot's sentence, add it to NOT_SENTENCES with the reason.
    assert unmarked_sentences() == []


def test_an_unmarked_sentence_is_caught(tmp_path):
    module = tmp_path / "handlers" / "commands" / "example.py"
    module.parent.mkdir(parents=True)
    module.write_text('"""A docstring is no reply."""\n'
                      'from handlers.i18n import t\n'
                      'import logging\n'
                      'log = logging.getLogger(__name__)\n'
                      'USAGE = "example <amount> [memo]"\n'
                      'def run(locale, amount):\n'
                      '    log.info("ran the example for %s", amount)\n'
                      '    if amount is None:\n'
                      '        raise ValueError("amount is required here")\n'
                      '    ok = t("Deposited {amount}.", locale, amount=amount)\n'
                      '    return ok + f" Your balance is {amount}."\n', encoding="utf-8")
    assert unmarked_sentences(tmp_path, ("handlers",)) == [
        "handlers/commands/example.py:11: ' Your balance is {}.'"]
