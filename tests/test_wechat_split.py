"""A long reply cut into WeChat messages of at most 2,048 bytes: at sentence or line ends, never
inside a character or a Tibetan stack, and nothing lost."""
from __future__ import annotations

import unicodedata

from wechat.split import MAX_BYTES, split

TIBETAN_SENTENCE = "ཁོ་ཚོས་རྒན་པ་རྣམས་ལ་རིན་མེད་ཀྱི་གསུང་བཤད་བྱས་ནས་སྨན་བཙོངས། "  # stacks: སྨ, རྒ, བཤ …
CHINESE_SENTENCE = "他们先办免费讲座，然后高价卖保健品。"


def _whole(parts: list[str], text: str) -> None:
    assert all(len(part.encode("utf-8")) <= MAX_BYTES for part in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_a_short_text_is_one_message():
    assert split("你好") == ["你好"]


def test_chinese_is_cut_at_a_sentence_end():
    text = CHINESE_SENTENCE * 200  # 3 bytes a character: far over the limit
    parts = split(text)
    assert len(parts) > 1
    assert all(part.endswith("。") for part in parts[:-1])
    _whole(parts, text)


def test_tibetan_is_cut_at_a_shad_and_never_inside_a_stack():
    text = TIBETAN_SENTENCE * 60
    parts = split(text)
    assert len(parts) > 1
    assert all(part.endswith("།") for part in parts[:-1])
    assert not any(unicodedata.category(part[0]).startswith("M") for part in parts)
    _whole(parts, text)


def test_tibetan_without_any_shad_is_cut_between_syllables_and_stacks():
    text = "བསྐྱར་" * 800  # one long run of syllables, each a stack of signs
    parts = split(text)
    assert len(parts) > 1 and all(part.endswith("་") for part in parts[:-1])
    _whole(parts, text)


def test_a_text_with_no_boundary_at_all_is_cut_between_characters():
    text = "སྐྱ" * 1000  # stacks only: no tsheg, no space
    parts = split(text)
    assert all(not unicodedata.category(part[0]).startswith("M") for part in parts)
    assert all(part.encode("utf-8").decode("utf-8") == part for part in parts)
    _whole(parts, text)


def test_lines_are_preferred_to_sentences():
    text = "\n".join(["第一行。还有一句。"] * 150)
    parts = split(text)
    assert len(parts) > 1 and all(part.startswith("第一行") and part.endswith("还有一句。") for part in parts)
    _whole(parts, text)


def test_whole_blocks_are_packed_and_only_a_block_too_long_is_cut():
    from wechat.split import pack

    question = "第几个？\n1. 是\n2. 否"
    welcome = "欢迎。" * 300  # 2,700 bytes: longer than a message on its own
    pages = pack(["您好。", welcome, question], limit=MAX_BYTES)
    assert pages[-1].endswith(question) and all(len(page.encode("utf-8")) <= MAX_BYTES for page in pages)
    assert pages[0].startswith("您好。\n\n欢迎。")
    assert pack(["一", "二"]) == ["一\n\n二"]
