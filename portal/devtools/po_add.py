"""Append English translations to ``locale/en/LC_MESSAGES/django.po`` and compile it.

    python -m portal.devtools.po_add SNIPPET.po [--section "Citizen pages: the catalogue"]

SNIPPET.po holds plain ``msgid``/``msgstr`` pairs (``msgctxt``, ``msgid_plural``/``msgstr[n]`` and
``#, python-format`` as usual). Entries whose msgid (and context) the catalogue already has are left alone and
listed; the others are appended at the end under the section comment, with the file locked, so several people can
add their messages at the same time without losing each other's. The catalogue is then compiled.
"""

from __future__ import annotations

import argparse
import fcntl
import io
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale/en/LC_MESSAGES/django.po"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snippet", type=Path)
    parser.add_argument("--section", default="")
    args = parser.parse_args(argv)
    with args.snippet.open("rb") as handle:
        snippet = read_po(handle, locale="en")
    with CATALOGUE.open("r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        catalogue = read_po(io.BytesIO(handle.read()), locale="en")
        fresh = Catalog(locale="en")
        kept = []
        for message in snippet:
            if not message.id:
                continue
            if catalogue.get(message.id, context=message.context) is not None:
                kept.append(message.id if isinstance(message.id, str) else message.id[0])
                continue
            if not (all(message.string) if isinstance(message.string, tuple) else message.string):
                print(f"no English for: {message.id}", file=sys.stderr)
                return 1
            fresh[message.id] = message
        if len(fresh):
            out = io.BytesIO()
            write_po(out, fresh, omit_header=True, width=120)
            text = out.getvalue().decode()
            header = f"\n# --- {args.section}\n" if args.section else "\n"
            handle.seek(0, io.SEEK_END)
            handle.write((header + text.lstrip("\n")).encode())
        fcntl.flock(handle, fcntl.LOCK_UN)
    print(f"added {len(fresh)}, already there {len(kept)}")
    for msgid in kept:
        print(f"  already there: {msgid[:100]}")
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "compile", "--domain=django", f"--directory={ROOT / 'locale'}", "--use-fuzzy"], check=True
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
