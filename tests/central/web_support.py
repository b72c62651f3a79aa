"""Helpers for the tests of the central's web pages (imported by name)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from counter.central.engine import Engine
from counter.model.staff import Role, hash_password

PASSWORD = "hall-pass-2026"


def put_staff(
    engine: Engine, login: str, role: Role = Role.SUPERVISOR, *, name: str = "王值班",
    password: str = PASSWORD, active: bool = True,
) -> str:  # fmt: skip
    """A staff member as ``counter-central create-staff`` publishes her; her id."""
    staff_id = f"staff-{login}"
    row = {"id": staff_id, "login": login, "name": name, "role": role.value,
           "password_hash": hash_password(password), "active": int(active)}  # fmt: skip
    engine.publish("staff", staff_id, row, 1)
    return staff_id


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def post_form(client: TestClient, path: str, fields: dict[str, str], form_at: str = "") -> Response:
    """Post ``fields`` as the page at ``form_at`` (default ``path``) would: its token too."""
    token = form_token(client.get(form_at or path).text)
    return client.post(path, data={"csrf": token, **fields}, follow_redirects=False)


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> Response:
    return post_form(client, "/staff/login", {"login": login, "password": password})
