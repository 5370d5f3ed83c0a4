"""Safe JSON: documents from strangers are refused when too big, too deep, ambiguous or not finite."""

from __future__ import annotations

import pytest

from bot.verification.jsonsafe import JsonError, parse_json


def reason_for(data: bytes | str, **limits: int) -> str:
    with pytest.raises(JsonError) as caught:
        parse_json(data, **limits)
    return caught.value.reason


def test_well_formed_documents_parse_from_bytes_and_text() -> None:
    document = {"type": "Assertion", "n": [1, 2.5, None, True], "nested": {"a": "é"}}
    text = '{"type": "Assertion", "n": [1, 2.5, null, true], "nested": {"a": "é"}}'
    assert parse_json(text) == document
    assert parse_json(text.encode()) == document


def test_a_utf8_byte_order_mark_is_ignored() -> None:
    assert parse_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_refused() -> None:
    assert parse_json("[" * 5 + "]" * 5, max_depth=5) == [[[[[]]]]]
    assert reason_for("[" * 6 + "]" * 6, max_depth=5) == "json_too_deep"
    assert reason_for('{"a": {"b": {"c": 1}}}', max_depth=2) == "json_too_deep"


def test_very_deep_nesting_is_refused_before_parsing() -> None:
    assert reason_for("[" * 200_000 + "]" * 200_000, max_bytes=1 << 20) == "json_too_deep"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert parse_json('{"a": "[[[{{{\\"]]]"}', max_depth=1) == {"a": '[[[{{{"]]]'}


def test_size_is_measured_in_utf8_bytes() -> None:
    assert reason_for(b"[" + b"1," * 600 + b"1]", max_bytes=1000) == "json_too_large"
    assert reason_for('"' + "é" * 600 + '"', max_bytes=1000) == "json_too_large"
    assert parse_json('"' + "é" * 400 + '"', max_bytes=1000) == "é" * 400


@pytest.mark.parametrize("text", ['{"a": NaN}', "[Infinity]", "[-Infinity]", "[1e400]", "[-1e999]"])
def test_non_finite_numbers_are_refused(text: str) -> None:
    assert reason_for(text) == "non_finite_number"


@pytest.mark.parametrize(
    "text", ['{"a": 1, "a": 2}', '{"x": [{"id": 1, "id": 1}]}', '{"a": 1, "b": {"c": 1, "c": 1}}']
)
def test_duplicate_keys_are_refused_at_any_depth(text: str) -> None:
    assert reason_for(text) == "duplicate_key"


@pytest.mark.parametrize(
    "data", ["", "{", "[1,]", "{'a': 1}", "<html></html>", b"\xff\xfe{}", "[1] [2]", "1" * 5000, '"\\ud800"x']
)
def test_malformed_documents_are_refused(data: bytes | str) -> None:
    assert reason_for(data) == "malformed_json"


def test_json_errors_are_value_errors_with_a_message() -> None:
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        parse_json('{"a": 1, "a": 2}')
