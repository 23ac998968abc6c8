"""Accent folding and ASCII / CSET 82 suggestions."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.vn import fold_vietnamese, suggest_ascii, suggest_cset82, vietnamese_sort_key

VIETNAMESE_LOWER = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
VIETNAMESE_LETTERS = VIETNAMESE_LOWER + VIETNAMESE_LOWER.upper()
# GS1 General Specifications Figure 7.11-1, written out here on its own.
CSET82 = set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")

vietnamese_text = st.text(VIETNAMESE_LETTERS + " -0123456789", max_size=40)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Cái Bè", "cai be"),
        ("ĐỒNG THÁP", "dong thap"),
        ("Hòa", "hoa"),
        ("Hoà", "hoa"),  # older tone placement
        ("  Xã   Vĩnh Kim ", "xa vinh kim"),
        ("Phường Mỹ Tho", "phuong my tho"),
    ],
)
def test_fold_examples(text: str, folded: str) -> None:
    assert fold_vietnamese(text) == folded


@given(vietnamese_text)
def test_fold_leaves_only_the_base_alphabet(text: str) -> None:
    folded = fold_vietnamese(text)
    assert set(folded) <= set("abcdeghiklmnopqrstuvxy -0123456789")
    assert fold_vietnamese(folded) == folded
    assert fold_vietnamese(unicodedata.normalize("NFD", text)) == folded


def test_suggest_ascii_examples() -> None:
    assert suggest_ascii("Lô Xoài Hòa Lộc-01") == "Lo Xoai Hoa Loc-01"
    assert suggest_ascii("ĐT-Đồng Tháp") == "DT-Dong Thap"
    assert suggest_ascii("LOT-2025/07") == "LOT-2025/07"


@given(vietnamese_text)
def test_suggest_ascii_keeps_letters_and_case(text: str) -> None:
    ascii_text = suggest_ascii(text)
    assert ascii_text.isascii()
    assert len(ascii_text) == len(unicodedata.normalize("NFC", text))
    assert " ".join(ascii_text.lower().split()) == fold_vietnamese(text)


def test_suggest_cset82_examples() -> None:
    assert suggest_cset82("Lô Xoài Hòa Lộc-01") == "Lo-Xoai-Hoa-Loc-01"
    assert suggest_cset82("Lô #12 @ vườn") == "Lo-12-vuon"


@given(st.text(max_size=40))
def test_suggest_cset82_only_yields_cset82(text: str) -> None:
    assert set(suggest_cset82(text)) <= CSET82


def test_vietnamese_alphabetical_order() -> None:
    shuffled = ["Chợ Gạo", "Đông Hòa", "Cao Lãnh", "Dương Minh Châu", "Cái Bè", "Ơn", "Ông", "Ăn"]
    shuffled.append("An")
    assert sorted(shuffled, key=vietnamese_sort_key) == [
        "An", "Ăn", "Cái Bè", "Cao Lãnh", "Chợ Gạo", "Dương Minh Châu", "Đông Hòa", "Ông", "Ơn",
    ]  # fmt: skip


def test_tones_order_second_in_dictionary_order() -> None:
    words = ["mạ", "má", "mã", "mả", "mà", "ma"]
    assert sorted(words, key=vietnamese_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    # Letters decide before tones: "mà" < "mac" although à sorts after a.
    assert sorted(["mac", "mà"], key=vietnamese_sort_key) == ["mà", "mac"]
