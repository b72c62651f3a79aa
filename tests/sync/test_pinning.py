"""The enrol code's CA fingerprint: its form, how it is split off, and what it pins."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from counter.central import hall_ca
from counter.model.errors import ValidationError
from counter.sync import pinning


@pytest.fixture(scope="module")
def ca_pem(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return hall_ca.ensure_hall_ca(tmp_path_factory.mktemp("tls"), ["localhost"]).ca_pem


def test_the_fingerprint_is_five_groups_of_base32(ca_pem: bytes) -> None:
    found = pinning.fingerprint(ca_pem)
    groups = found.split("-")
    assert [len(g) for g in groups] == [4] * 5
    assert set("".join(groups)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert pinning.fingerprint(ca_pem.decode()) == found


def test_the_fingerprint_is_of_the_first_certificate_only(ca_pem: bytes, tmp_path: Path) -> None:
    other = hall_ca.ensure_hall_ca(tmp_path, ["localhost"]).ca_pem
    assert pinning.fingerprint(other) != pinning.fingerprint(ca_pem)
    assert pinning.fingerprint(b"junk\n" + ca_pem + other) == pinning.fingerprint(ca_pem)
    assert pinning.first_certificate(ca_pem + other).count("BEGIN CERTIFICATE") == 1


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        ("ABCDEFGHJK", ("ABCDEFGHJK", "")),
        ("abcd-2345", ("ABCD-2345", "")),
        ("ABCDEFGHJK-AAAA-BBBB-CCCC-DDDD-EEEE", ("ABCDEFGHJK", "AAAA-BBBB-CCCC-DDDD-EEEE")),
        (" abcdefghjk-aaaa-bbbb -cccc-dddd-eee2 ", ("ABCDEFGHJK", "AAAA-BBBB-CCCC-DDDD-EEE2")),
        ("K-ABCDEFGHJK-0AAA-1BBB-8CCC-DDDD-EEEE", ("K-ABCDEFGHJK", "OAAA-IBBB-BCCC-DDDD-EEEE")),
    ],
)
def test_the_fingerprint_is_split_off_the_end(typed: str, parts: tuple[str, str]) -> None:
    assert pinning.split_code(typed) == parts


def test_a_code_round_trips_with_its_fingerprint(ca_pem: bytes) -> None:
    code, typed = pinning.split_code(pinning.code_with_fingerprint("ABCDEFGHJK", ca_pem).lower())
    assert code == "ABCDEFGHJK"
    assert pinning.matches(ca_pem, typed)
    assert not pinning.matches(ca_pem, "AAAA-AAAA-AAAA-AAAA-AAAA")


def test_https_needs_the_fingerprint_and_the_fingerprint_needs_https(ca_pem: bytes) -> None:
    coded = pinning.code_with_fingerprint("ABCDEFGHJK", ca_pem)
    assert pinning.enrol_parts("https://10.0.0.5:8443", coded)[0] == "ABCDEFGHJK"
    assert pinning.enrol_parts("http://10.0.0.5:8443", "ABCDEFGHJK") == ("ABCDEFGHJK", "")
    with pytest.raises(ValidationError) as bare:
        pinning.enrol_parts("HTTPS://10.0.0.5:8443", "ABCDEFGHJK")
    assert bare.value.field == "code"
    with pytest.raises(ValidationError) as plain:
        pinning.enrol_parts("http://10.0.0.5:8443", coded)
    assert plain.value.field == "central_url"


def test_the_pinned_context_trusts_that_ca_alone_and_checks_the_name(ca_pem: bytes) -> None:
    context = pinning.pinned_context(ca_pem.decode())
    assert len(context.get_ca_certs()) == 1
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert pinning.pinned_context(ca_pem.decode()) is context  # made once per CA
