"""Print recipes are kept for every document a window prints, deflated with a preset
dictionary of typical recipes (issue 32); those packed before it still read."""

from __future__ import annotations

import zlib

from counter.model.notice import NoticeKind
from counter.printing import recipes
from counter.store import print_store
from counter.store.recipe_dictionary import DICTIONARY
from tests.printing.sample_documents import notice, slip


def a_notice() -> str:
    return recipes.write("notice", notice(NoticeKind.ACCEPTED), paper_mm=80, masking=None)


def test_a_recipe_comes_back_as_it_was_packed_in_well_under_half_its_plain_deflate() -> None:
    for recipe in (a_notice(), recipes.write("ticket", slip(), paper_mm=80)):
        packed = print_store._pack(recipe)
        assert packed is not None and print_store._unpack(packed) == recipe
        assert len(packed) * 2 < len(zlib.compress(recipe.encode(), 9))


def test_a_recipe_packed_before_the_dictionary_still_reads() -> None:
    recipe = a_notice()
    assert print_store._unpack(zlib.compress(recipe.encode(), 9)) == recipe


def test_a_damaged_or_unknown_recipe_reads_as_none_rather_than_failing() -> None:
    packed = print_store._pack(a_notice())
    assert packed is not None
    unknown_dictionary = packed[:2] + b"\x00\x00\x00\x01" + packed[6:]
    for stored in (packed[:10], unknown_dictionary, b"\x78"):
        assert print_store._unpack(stored) == ""


def test_the_dictionary_stored_recipes_name_never_changes() -> None:
    """Each packed recipe names it by checksum: a better one goes beside it."""
    assert zlib.adler32(DICTIONARY) == EXPECTED
    assert print_store._DICTIONARIES[EXPECTED] == DICTIONARY


EXPECTED = 3508635288
