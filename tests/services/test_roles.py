"""Every public service method, with every role, against the table in counter.services.roles.

Each method is called with a placeholder ``self`` and placeholder arguments: the role
check is the method's first statement, so a refused role must meet
:class:`RoleRefusedError` before anything else; an allowed role gets past it and then
fails on the placeholders with some other error, or none.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from datetime import date, datetime
from typing import Any, Protocol

import pytest

import counter.services
from counter.model import roles as model_roles
from counter.model.clock import HALL_TZ
from counter.model.errors import RoleRefusedError
from counter.model.staff import Role, Staff
from counter.services import roles
from counter.services.session import Session

WHEN = datetime(2026, 11, 27, 10, 0, tzinfo=HALL_TZ)
SESSION_PARAMS = ("session", "who")


def service_classes() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(counter.services.__path__):
        module = importlib.import_module(f"counter.services.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or dataclasses.is_dataclass(cls):
                continue
            if Protocol in cls.__mro__ or issubclass(cls, BaseException):
                continue
            found.append(cls)
    return found


def adopted(cls: type) -> bool:
    """A class enters the walk with its first line in either table; from then on every
    one of its public methods must be classified. (Services still being written by
    other issues join when their authors add their lines.)"""
    prefix = f"{cls.__name__}."
    return any(k.startswith(prefix) for k in (*roles.ROLE_TABLE, *roles.UNGUARDED))


def public_methods() -> dict[str, Any]:
    methods = {}
    for cls in filter(adopted, service_classes()):
        for name, func in vars(cls).items():
            if not name.startswith("_") and inspect.isfunction(func):
                methods[f"{cls.__name__}.{name}"] = func
    return methods


METHODS = public_methods()


def _takes_session(func: Any) -> bool:
    return any(p in inspect.signature(func).parameters for p in SESSION_PARAMS)


GUARDED = sorted(k for k, f in METHODS.items() if _takes_session(f))


def session_of(role: Role, window: str = "3") -> Session:
    staff = Staff(
        id=f"t-{role.value}",
        login=role.value,
        name="测试",
        role=role,
        password_hash="",
        certificate_no="T-1",
        certificate_expiry=date(2030, 1, 1),
    )
    return Session(staff=staff, window=window, signed_in_at=WHEN)


class Placeholder:
    """Stands in for the service and every argument; any use of it fails loudly."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def call(func: Any, session: Session) -> BaseException | None:
    params = list(inspect.signature(func).parameters.values())[1:]
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in params:
        value = session if p.name in SESSION_PARAMS else Placeholder()
        if p.kind is p.KEYWORD_ONLY:
            if p.default is p.empty:
                kwargs[p.name] = value
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            args.append(value)
    try:
        func(Placeholder(), *args, **kwargs)
    except Exception as exc:
        return exc
    return None


def test_every_public_service_method_is_in_one_table() -> None:
    unknown = [k for k in METHODS if k not in roles.ROLE_TABLE and k not in roles.UNGUARDED]
    assert unknown == [], "classify in counter/services/roles.py: " + ", ".join(unknown)


def test_the_tables_name_only_methods_that_exist() -> None:
    stale = [k for k in (*roles.ROLE_TABLE, *roles.UNGUARDED) if k not in METHODS]
    assert stale == []


def test_methods_taking_a_session_are_in_the_role_table_and_no_others() -> None:
    assert sorted(roles.ROLE_TABLE) == GUARDED


def test_the_docstring_table_is_the_role_table() -> None:
    doc = model_roles.__doc__ or ""
    rows = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"\w+\.\w+", cells[0]):
            rows[cells[0]] = frozenset(
                role for role, mark in zip(Role, cells[1:], strict=True) if mark == "✓"
            )
    assert rows == {k: frozenset(r for r in Role if roles.allowed(k, r)) for k in roles.ROLE_TABLE}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("method", GUARDED)
def test_each_role_is_allowed_or_refused_as_the_table_says(method: str, role: Role) -> None:
    error = call(METHODS[method], session_of(role))
    refused = isinstance(error, RoleRefusedError)
    assert refused == (not roles.allowed(method, role)), f"{method} as {role}: {error!r}"


@pytest.mark.parametrize("method", GUARDED)
def test_a_clerk_without_a_window_is_refused_every_role_checked_call(method: str) -> None:
    error = call(METHODS[method], session_of(Role.CLERK, window=""))
    checked = roles.ROLE_TABLE[method] != roles.EVERYONE
    assert isinstance(error, RoleRefusedError) == checked, f"{method}: {error!r}"


def test_refusal_names_the_roles_allowed_and_the_person_signed_in() -> None:
    error = call(METHODS["CatalogService.import_catalog"], session_of(Role.CLERK))
    assert isinstance(error, RoleRefusedError)
    assert "值班长" in error.message and "窗口受理员" in error.message


def test_the_services_of_the_earlier_issues_are_all_walked() -> None:
    walked = {k.split(".")[0] for k in METHODS}
    assert walked >= {
        "CalendarService",
        "CasesService",
        "CatalogService",
        "CentralQueue",
        "GiftPackService",
        "IntakeService",
        "LocalQueue",
        "PrintService",
        "RatingsService",
        "SettingsService",
        "StatisticsService",
        "SyncService",
        "VisitsService",
    }


def test_the_central_queue_checks_roles_as_the_local_queue_does() -> None:
    """The window panel uses either; a role must not gain or lose a call by enrolling."""
    for key, allowed_roles in roles.ROLE_TABLE.items():
        cls, name = key.split(".")
        if cls == "CentralQueue":
            assert roles.ROLE_TABLE.get(f"LocalQueue.{name}") == allowed_roles, key
