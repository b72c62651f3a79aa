from __future__ import annotations

import pytest
from pydantic import ValidationError

from counter.sync.protocol import REASONS, ErrorCode, WireOp

OP = {
    "seq": 1,
    "op_id": "a",
    "table_name": "holidays",
    "row_id": "2030-01-01",
    "kind": "upsert",
    "payload": {"name": "元旦"},
    "hlc": "001795920487078-000000",
    "schema_version": 5,
}


def test_every_error_code_has_chinese_and_english_reasons() -> None:
    for code in ErrorCode:
        chinese, english = REASONS[code]
        assert chinese and english
        assert chinese in code.reason() and english in code.reason()


def test_content_hash_ignores_the_op_id_but_not_the_content() -> None:
    op = WireOp.model_validate(OP)
    assert WireOp.model_validate({**OP, "op_id": "b"}).content_hash() == op.content_hash()
    assert WireOp.model_validate({**OP, "payload": {}}).content_hash() != op.content_hash()


def test_an_op_sent_with_a_string_sequence_is_rejected() -> None:
    with pytest.raises(ValidationError):
        WireOp.model_validate({**OP, "seq": "1"})


def test_an_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValidationError):
        WireOp.model_validate({**OP, "kind": "merge"})
