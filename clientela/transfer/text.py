"""Text folding shared by column matching and duplicate detection."""

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^0-9a-z]+")
_PUNCTUATION = re.compile(r"[^\w ]+")
_COMPANY_SUFFIX = re.compile(r"\b(s ?l ?u?|s ?a|s ?c|s ?coop|inc|ltd|llc|gmbh|corp|co|sas|sarl|bv|plc)$")


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


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    """One word folded, punctuation dropped; cached, as names repeat words ("José", "García")."""
    return _PUNCTUATION.sub(" ", fold(word))


def comparable_name(name: str, company: bool = False) -> str:
    """A name as duplicate rules compare it: folded, punctuation dropped, words sorted ("Álvarez, José" =
    "José Álvarez"); for a company, the legal form off ("Aceites del Sur S.L." = "Aceites del Sur SL")."""
    words = " ".join(_fold_word(w) for w in name.split()).split()
    if company:
        words = _COMPANY_SUFFIX.sub("", " ".join(words)).split()
    return " ".join(sorted(words))


@lru_cache(maxsize=100_000)
def company_key(name: str) -> str:
    """How an import finds a company by the name in a file: "ACEITES DEL SUR SL" is "Aceites del Sur S.L.".
    Cached: a file names the same companies on many rows, and the importer asks for each several times."""
    return comparable_name(name, company=True) or fold(name)
