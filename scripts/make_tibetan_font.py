"""Build the self-hosted Tibetan web font: Debian's Noto Serif Tibetan, subset to the
Tibetan block (plus the spaces and marks text needs) and compressed to WOFF2.

A phone with no Tibetan font then still renders the form. The OFL allows subsetting and
redistribution; its text is written beside the font. Run: .venv/bin/python scripts/make_tibetan_font.py
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset

SOURCES = (
    Path("/usr/share/fonts/truetype/noto/NotoSansTibetan-Regular.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoSerifTibetan-Regular.ttf"),
)
COPYRIGHT = Path("/usr/share/doc/fonts-noto-core/copyright")
OUT_DIR = Path(__file__).resolve().parent.parent / "web_form" / "static" / "fonts"
OUT = OUT_DIR / "tibetan.woff2"
# The Tibetan block, the spaces and joiners inside Tibetan text, and the dotted circle
# shown under a lone vowel sign. Latin and Chinese come from the reader's own fonts.
UNICODES = "U+0F00-0FFF,U+0020,U+00A0,U+200B-200D,U+25CC"


def main() -> int:
    source = next((path for path in SOURCES if path.exists()), None)
    if source is None:
        print("install Debian's fonts-noto-core first", file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # Tibetan stacks need every GSUB/GPOS feature (abvs, blws, ccmp...)
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
    subsetter.subset(font)
    subset.save_font(font, str(OUT), options)
    (OUT_DIR / "OFL.txt").write_text(licence_text(source), encoding="utf-8")
    print(f"{OUT} ({OUT.stat().st_size} bytes) from {source}")
    return 0


def licence_text(source: Path) -> str:
    header = (
        f"tibetan.woff2 is a subset of {source.name} (Noto Serif/Sans Tibetan, Copyright 2018 Google LLC),\n"
        "taken from Debian's fonts-noto-core package and converted to WOFF2 with fontTools.\n"
        "It is licensed under the SIL Open Font License, Version 1.1, reproduced below.\n\n"
    )
    text = COPYRIGHT.read_text(encoding="utf-8")
    match = re.search(r"^License: OFL-1\.1\n((?: .*\n?)+)", text, re.MULTILINE)
    body = match.group(1) if match else ""
    lines = [line[1:] for line in body.splitlines()]
    return header + "\n".join("" if line == "." else line for line in lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
