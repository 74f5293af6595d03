"""Vietnamese first, English second: every message marked for translation in the Python sources and in the
templates has an English translation in ``locale/en``."""

import io
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract, extract_from_dir
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext_lazy": None, "gettext_noop": None, "ngettext_lazy": (1, 2)}
SKIPPED = (".venv", "tests", "migrations", "bench", "node_modules", "var")


def test_every_python_message_has_an_english_translation():
    with (ROOT / "locale/en/LC_MESSAGES/django.po").open("rb") as po:
        catalogue = read_po(po)
    missing, seen = [], 0
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if set(Path(filename).parts) & set(SKIPPED) or filename == "conftest.py":
            continue
        seen += 1
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(msgid, context=context)
        translated = entry is not None and (all(entry.string) if isinstance(entry.string, tuple) else entry.string)
        if not translated:
            missing.append(f"{filename}:{lineno}: {msgid}")
    assert seen > 400  # the extraction found the portal's messages
    assert not missing, "\n".join(missing)


def test_every_template_message_has_an_english_translation():
    """Django's own template lexer turns ``{% translate %}`` and ``{% blocktranslate %}`` into gettext calls (what
    ``makemessages`` feeds to xgettext); Babel reads those calls (lines stripped: the output is not indented
    Python)."""
    with (ROOT / "locale/en/LC_MESSAGES/django.po").open("rb") as po:
        catalogue = read_po(po)
    missing, seen = [], 0
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        flat = "\n".join(line.strip() for line in source.splitlines()).encode()
        for lineno, message, _comments, context in extract("python", io.BytesIO(flat), keywords=DEFAULT_KEYWORDS):
            seen += 1
            msgid = message[0] if isinstance(message, tuple) else message
            entry = catalogue.get(msgid, context=context)
            translated = entry is not None and (all(entry.string) if isinstance(entry.string, tuple) else entry.string)
            if not translated:
                missing.append(f"{path.relative_to(ROOT)}:{lineno}: {msgid}")
    assert seen > 100  # the extraction found the pages' messages
    assert not missing, "\n".join(missing)
