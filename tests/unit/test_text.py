"""Untrusted text is shown literally and within Discord's limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.text import clip, escape, join_clipped, safe


def test_mass_mentions_and_mention_syntax_are_broken() -> None:
    out = escape("@everyone and @HERE <@123> <@&456> <#789>")
    assert "@everyone" not in out and "@HERE" not in out
    assert "\\<@123" in out and "\\<@&456" in out and "\\<\\#789" in out


def test_markdown_links_and_formatting_are_escaped() -> None:
    assert escape("[x](https://evil)") == "\\[x\\]\\(https://evil\\)"
    assert escape("**bold** `code` ||spoiler|| > quote") == (
        "\\*\\*bold\\*\\* \\`code\\` \\|\\|spoiler\\|\\| \\> quote"
    )


def test_clip_marks_the_cut_and_never_ends_on_a_lone_backslash() -> None:
    assert clip("abcdef", 4) == "abc…"
    assert clip("abc", 3) == "abc"
    assert not clip("ab\\*cd", 4).endswith("\\…")


def test_join_clipped_says_how_many_did_not_fit() -> None:
    assert join_clipped(["a", "b", "c"], 100) == "a, b, c"
    out = join_clipped([f"skill{i}" for i in range(100)], 60)
    assert len(out) <= 60 and out.endswith("more")


@given(st.text(max_size=3000), st.integers(min_value=1, max_value=2000))
def test_safe_text_always_fits(text: str, limit: int) -> None:
    out = safe(text, limit)
    assert len(out) <= limit
    assert "@everyone" not in out.lower() and "@here" not in out.lower()


@given(st.lists(st.text(max_size=80), max_size=80), st.integers(min_value=20, max_value=1024))
def test_join_clipped_always_fits(items: list[str], limit: int) -> None:
    assert len(join_clipped(items, limit)) <= limit
