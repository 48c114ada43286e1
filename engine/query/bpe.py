"""CLIP's byte-pair tokenizer without torch: the same ids as open_clip's SimpleTokenizer ("lower" cleaning).

open_clip's tokenizer module imports torch at the top, which costs a cold terminal search seconds; this
one reads the same merge list (the gzip file that ships inside the open_clip package) and applies
the same rules:

1. clean: ftfy.fix_text, HTML unescaped twice, whitespace collapsed, lower case;
2. split into pieces with CLIP's pattern (contractions, letter runs, single digits, other symbol runs;
   the literal special tokens stay whole);
3. each piece's UTF-8 bytes become printable characters (CLIP's reversible byte alphabet), the last
   one marked end-of-word ("</w>"), then pairs are merged, lowest merge rank first, until none applies;
4. ids: [start] + pieces + [end], cut to the context with the end token kept last.

tests/engine/query/test_bpe.py compares it with open_clip's tokenizer on a corpus of odd texts.
"""

from __future__ import annotations

import gzip
import html
import importlib.util
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

START_TOKEN = "<start_of_text>"
END_TOKEN = "<end_of_text>"
#: The merges CLIP's vocabulary uses: lines 1..48894 of the file (line 0 is a version header).
MERGE_COUNT = 49152 - 256 - 2
VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"


def default_vocab_path() -> Path | None:
    """The merge file inside the installed open_clip package, found without importing open_clip."""
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / VOCAB_FILE
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def byte_alphabet() -> tuple[str, ...]:
    """CLIP's byte -> character table, as a tuple indexed by byte value.

    Printable Latin-1 bytes stand for themselves; the others (controls, space, soft hyphen) are
    shifted to code points from 256 up, in byte order, so every piece is a string of visible characters.
    """
    visible = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table = {b: chr(b) for b in visible}
    shifted = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + shifted)
            shifted += 1
    return tuple(table[b] for b in range(256))


def _vocabulary_order() -> list[str]:
    """Single characters in CLIP's id order: the visible bytes first, then the shifted ones."""
    table = byte_alphabet()
    visible = [b for b in range(256) if ord(table[b]) == b]
    shifted = [b for b in range(256) if ord(table[b]) != b]
    return [table[b] for b in visible + shifted]


class ClipBpe:
    """Text -> CLIP token ids, identical to open_clip's SimpleTokenizer with its default settings."""

    def __init__(self, vocab_path: Path, context_length: int = 77) -> None:
        import regex

        with gzip.open(vocab_path, "rt", encoding="utf-8") as handle:
            merges = handle.read().split("\n")[1 : MERGE_COUNT + 1]  # "first second" per line
        singles = _vocabulary_order()
        vocab = [*singles, *(s + "</w>" for s in singles), *(m.replace(" ", "") for m in merges)]
        vocab += [START_TOKEN, END_TOKEN]
        # dict(zip()) builds the 49k-entry tables in C: a cold search pays this on every run.
        self._ids = dict(zip(vocab, range(len(vocab)), strict=True))
        self._ranks = dict(zip(merges, range(len(merges)), strict=True))  # keyed "first second"
        self._specials = {START_TOKEN, END_TOKEN}
        self._pieces: dict[str, list[str]] = {}
        specials = "|".join(regex.escape(t) for t in (START_TOKEN, END_TOKEN))
        self._pattern = regex.compile(
            specials + r"""|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE
        )
        self.start_id = self._ids[START_TOKEN]
        self.end_id = self._ids[END_TOKEN]
        self.context_length = int(context_length)

    @staticmethod
    def clean(text: str) -> str:
        """open_clip's "lower" cleaning: mojibake fixed, entities decoded, whitespace collapsed, lower case.

        Printable ASCII without "&" is what ftfy leaves as it is (its fixes concern non-ASCII text,
        control characters and entities), so such text skips importing it (a tenth of a second or more).
        """
        if not (text.isascii() and text.isprintable() and "&" not in text):
            import ftfy

            text = ftfy.fix_text(text)
        text = html.unescape(html.unescape(text)).strip()
        return " ".join(text.split()).lower()

    def _merge(self, piece: str) -> list[str]:
        """The BPE symbols of one piece (already in the byte alphabet)."""
        if piece in self._specials:
            return [piece]
        found = self._pieces.get(piece)
        if found is not None:
            return found
        symbols = [*piece[:-1], piece[-1] + "</w>"]
        while len(symbols) > 1:
            pairs = [(self._ranks.get(f"{a} {b}"), i) for i, (a, b) in enumerate(pairwise(symbols))]
            ranked = [(rank, i) for rank, i in pairs if rank is not None]
            if not ranked:
                break
            _, at = min(ranked)
            first, second = symbols[at], symbols[at + 1]
            merged: list[str] = []
            i = 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == first and symbols[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        self._pieces[piece] = symbols
        return symbols

    def encode(self, text: str) -> list[int]:
        """The token ids of text, without the start and end tokens."""
        alphabet = byte_alphabet()
        ids: list[int] = []
        for piece in self._pattern.findall(self.clean(text)):
            chars = "".join(alphabet[b] for b in piece.encode("utf-8"))
            ids.extend(self._ids[s] for s in self._merge(chars))
        return ids

    def tokens(self, text: str) -> list[int]:
        """[start] + ids + [end], cut to the context length with the end token kept last."""
        ids = [self.start_id, *self.encode(text), self.end_id]
        if len(ids) > self.context_length:
            ids = ids[: self.context_length]
            ids[-1] = self.end_id
        return ids

    def __call__(self, texts: list[str]) -> np.ndarray:
        """[n, context_length] int64 ids, zero-padded (the layout open_clip's tokenizer returns)."""
        out = np.zeros((len(texts), self.context_length), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = self.tokens(text)
            out[row, : len(ids)] = ids
        return out

    def truncated(self, text: str) -> bool:
        """True when text needs more tokens than the context (start and end tokens included)."""
        return len(self.encode(text)) + 2 > self.context_length
