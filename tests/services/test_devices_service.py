"""The 设备 section's service, without a central: what is refused before any call."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlite_utils import Database

from counter.model.errors import NotAllowedError, RoleRefusedError, ValidationError
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.devices_service import DevicesService
from counter.services.session import sign_in
from counter.store.db import immediate


def enrolled(db: Database, url: str = "https://10.0.0.5:8443", ca: str = "PEM") -> None:
    with immediate(db):
        db.execute(
            "UPDATE sync_state SET central_url = ?, device_token = 'tok', central_ca = ?",
            [url, ca],
        )


def test_a_pinned_counter_is_never_moved_to_plain_http(db: Database, now: datetime) -> None:
    """The token would go out unprotected by the CA checked at enrolment."""
    enrolled(db)
    boss = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    with pytest.raises(ValidationError, match="https://") as refused:
        DevicesService(db).start_address_change(boss, "http://10.0.0.6:8443")
    assert refused.value.field == "new_url"
    assert DevicesService(db).central() == "https://10.0.0.5:8443"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "请填写中心的新地址"),
        ("10.0.0.6:8443", "地址应形如"),
        ("https://10.0.0.5:8443/", "这就是本机现在使用的中心地址"),
    ],
)
def test_an_address_typed_wrong_is_said_at_the_field(
    db: Database, now: datetime, typed: str, words: str
) -> None:
    enrolled(db)
    boss = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    with pytest.raises(ValidationError, match=words):
        DevicesService(db).start_address_change(boss, typed)


def test_a_counter_not_enrolled_has_no_address_to_change(db: Database, now: datetime) -> None:
    boss = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    with pytest.raises(ValidationError, match="尚未登记"):
        DevicesService(db).start_address_change(boss, "https://10.0.0.6:8443")
    with pytest.raises(NotAllowedError):
        DevicesService(db).start_listing(boss, now)


def test_a_clerk_may_do_none_of_it(db: Database, now: datetime) -> None:
    enrolled(db)
    clerk = sign_in(db, "lina", DEMO_PASSWORD, "1", now)
    service = DevicesService(db)
    for attempt in (
        lambda: service.start_address_change(clerk, "https://10.0.0.6:8443"),
        lambda: service.start_listing(clerk, now),
        lambda: service.start_revoke(clerk, "kiosk-1", now),
    ):
        with pytest.raises(RoleRefusedError):
            attempt()


def test_without_a_signing_key_the_central_cannot_be_asked(db: Database, now: datetime) -> None:
    """A supervisor the central published no key for: nothing to prove her by."""
    enrolled(db)
    boss = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    assert boss.key is None
    with pytest.raises(NotAllowedError, match="签名密钥"):
        DevicesService(db).start_listing(boss, now)


def test_this_pc_cannot_be_revoked_from_itself(db: Database, now: datetime) -> None:
    enrolled(db)
    boss = sign_in(db, "zhangwei", DEMO_PASSWORD, "1", now)
    service = DevicesService(db)
    with pytest.raises(NotAllowedError, match="正在使用的这台电脑"):
        service.start_revoke(boss, service.device_id(), now)
    with pytest.raises(ValidationError, match="请先在列表中选择"):
        service.start_revoke(boss, "", now)
