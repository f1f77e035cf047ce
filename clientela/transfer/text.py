"""Text folding shared by column matching and duplicate detection."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(value: str) -> str:
    """Lower case, accents removed, spaces collapsed: "  José  ÁLVAREZ " -> "jose alvarez"."""
    value = value or ""
    if value.isascii():  # nothing to decompose, and ASCII case folding is lower()
        return " ".join(value.lower().split())
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def header_key(value: str) -> str:
    """A column name reduced to letters and digits: "E-mail" and "email" are the same column."""
    return _NON_WORD.sub("", fold(value))
