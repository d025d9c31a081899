"""What a store, a job or a peer holds is read as a JSON object, or as an empty one."""

from __future__ import annotations

import pytest

from wxcomponent.core.json_object import json_object


@pytest.mark.parametrize("text", ['{"a": 1, "b": [2]}', b'{"a": 1, "b": [2]}',
                                  '{"a": 1, "b": [2]}'.encode("utf-16")])
def test_an_object_is_read_from_text_or_bytes(text: str | bytes) -> None:
    assert json_object(text) == {"a": 1, "b": [2]}


@pytest.mark.parametrize("text", ["", "not json", "{", "[1, 2]", '"text"', "3", "null",
                                  b"\xff\xfe\x00{", b"\x80abc"])
def test_anything_else_is_an_empty_object(text: str | bytes) -> None:
    assert json_object(text) == {}
