"""Every web page's form is read with a bound (counter.central.web_pages.Pages.form):
what an attacker on the internet sends to a public form cannot fill the central's
memory, whatever its size, its framing or its type; both engines."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient
from web_support import form_token

from counter.central.engine import Engine
from counter.central.web_pages import MAX_FORM_BYTES, MAX_FORM_FIELDS


def test_a_huge_form_body_is_refused_before_it_is_read(engine: Engine, client: TestClient) -> None:
    token = form_token(client.get("/progress").text)
    body = f"csrf={token}&number=" + "A" * (8 * MAX_FORM_BYTES)
    answer = client.post(
        "/progress", content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert answer.status_code == 413 and "太长" in answer.text
    assert answer.headers["connection"] == "close"


def test_a_body_without_a_length_is_counted_as_it_arrives(
    engine: Engine, client: TestClient
) -> None:
    """Chunked, no Content-Length: the attacker hopes the size is never checked."""
    token = form_token(client.get("/staff/login").text)

    def chunks() -> Iterator[bytes]:
        yield f"csrf={token}&login=wang&password=".encode()
        for _ in range(64):
            yield b"x" * 4096

    answer = client.post(
        "/staff/login", content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert answer.status_code == 413


def test_a_multipart_upload_or_a_flood_of_fields_is_not_a_form(
    engine: Engine, client: TestClient
) -> None:
    token = form_token(client.get("/progress").text)
    upload = client.post(
        "/progress", data={"csrf": token}, files={"number": ("x.bin", b"x" * 1000)}
    )
    assert upload.status_code == 413
    flood = "&".join(f"f{n}=1" for n in range(MAX_FORM_FIELDS + 1))
    answer = client.post(
        "/progress", content=f"csrf={token}&{flood}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert answer.status_code == 413


def test_an_ordinary_form_still_goes_through(engine: Engine, client: TestClient) -> None:
    token = form_token(client.get("/progress").text)
    answer = client.post(
        "/progress", data={"csrf": token, "number": "SQ20261201-0001", "last4": "1234"}
    )
    assert answer.status_code == 404  # read, checked, and not found
