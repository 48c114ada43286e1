"""The torch-free CLIP tokenizer gives open_clip's token ids, and imports no torch."""

from __future__ import annotations

import pytest
from open_clip.tokenizer import SimpleTokenizer

from engine.query.bpe import ClipBpe, default_vocab_path
from tests.heavy_imports import heavy_modules_after

TEXTS = [
    "a dog on the beach",
    "Kids blowing out the CANDLES!!",
    "it's you're we'll they'd I'm",
    "café naïve résumé Ångström",
    "日本語のテキスト 123 and ４５６",  # full-width digits: ftfy folds them
    "emoji 🎉🐶 ok",
    " \t spaced \n out \r\n ",
    "&amp;lt;b&amp;gt; tags &amp; entities",
    "<b>bold</b> a < b > c",
    "<end_of_text> typed in the middle <start_of_text>",
    "mojibake Ã© and â€™ quotes",
    "“curly quotes” and ‘single’ ones",
    "control\x07chars\x1b[31m red",
    "",
    "1234567890 3.14 1e-3 #hashtag @user a_b-c",
    "x" * 300,
    "hello world " * 40,
]


@pytest.fixture(scope="module")
def ours() -> ClipBpe:
    path = default_vocab_path()
    assert path is not None and path.is_file()
    return ClipBpe(path, 77)


@pytest.mark.parametrize("text", TEXTS)
def test_same_ids_as_open_clip(ours: ClipBpe, text: str) -> None:
    reference = SimpleTokenizer(context_length=77)
    assert ours([text]).tolist() == reference([text]).tolist()
    assert ours.truncated(text) == (len(reference.encode(text)) + 2 > 77)


def test_short_context_keeps_the_end_token(ours: ClipBpe) -> None:
    short = ClipBpe(default_vocab_path(), 8)  # type: ignore[arg-type]
    ids = short.tokens("one two three four five six seven eight nine")
    assert len(ids) == 8 and ids[0] == short.start_id and ids[-1] == short.end_id
    assert SimpleTokenizer(context_length=8)(["one two three four five six seven eight nine"]).tolist() == [
        ids
    ]


def test_tokenizing_imports_no_torch() -> None:
    code = "from engine.query.bpe import ClipBpe, default_vocab_path\n"
    code += "ClipBpe(default_vocab_path())(['a dog', 'café ☕'])"
    assert heavy_modules_after(code) == []
