"""The rating link's token (扫码评价) is drawn by the intake service: 128 random bits,
in the 22 URL-safe characters the model's rule takes as a token."""

from __future__ import annotations

from counter.model.ratings import is_token
from counter.services.intake_service import RATING_TOKEN_BYTES, new_rating_token


def test_a_token_is_128_random_bits_in_url_safe_characters() -> None:
    assert RATING_TOKEN_BYTES * 8 >= 128
    tokens = {new_rating_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(is_token(token) and len(token) == 22 for token in tokens)
