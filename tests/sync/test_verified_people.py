"""A person a supervisor confirmed at one window is known at every window of the hall
(issue 27): Hengyang's 4304xx districts, renamed in 2001, put an area-code warning on
every adult born there before then; the supervisor confirms it once, and the synced
case records carry her confirmation to the next visit, wherever it is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sync_support import ITEM, Central, client_for, seeded_counter, services

from counter.model.clock import HALL_TZ
from counter.model.intake import (
    ApplicantForm,
    ApplicantKind,
    Decision,
    check_applicant,
)
from counter.services.bootstrap import DEMO_PASSWORD
from counter.services.intake_service import IntakeRequest, IntakeService, Override
from counter.services.session import sign_in
from tests.materials import originals

#: 衡阳市珠晖区 (430405), set up in 2001; its holder was born in 1980.
HENGYANG_ID = "430405198001011239"
FIRST_VISIT = datetime(2026, 11, 2, 9, 30, tzinfo=HALL_TZ)


def accept(
    intake: IntakeService, form: ApplicantForm, override: Override | None = None
) -> IntakeRequest:
    states = originals(intake.checklist(ITEM))
    return IntakeRequest(ITEM, form, states, Decision.ACCEPT, override=override)


def test_a_person_confirmed_at_window_3_is_shown_verified_at_window_5_after_sync(
    sqlite_central: Central, tmp_path: Path, seeded_template: Path, now: datetime
) -> None:
    central = sqlite_central
    a = seeded_counter(seeded_template, tmp_path / "a.db", central, window="3")
    b = seeded_counter(seeded_template, tmp_path / "b.db", central, window="5")
    form = ApplicantForm(ApplicantKind.PERSON, HENGYANG_ID, "刘衡阳", "13812345678")

    intake_a, _ = services(a)
    clerk_a = sign_in(a, "lina", DEMO_PASSWORD, "3", FIRST_VISIT)
    _, _, warnings = check_applicant(form, FIRST_VISIT.date())
    override = intake_a.confirm_override(clerk_a, warnings, "zhangwei", DEMO_PASSWORD)
    intake_a.decide(clerk_a, accept(intake_a, form, override=override), FIRST_VISIT)

    intake_b, _ = services(b)
    # Before the sync, window 5 knows nothing of it: the warning, no confirmation.
    _, soft, verified = intake_b.field_check(form, "id_number", now.date())
    assert soft == tuple(w.message for w in warnings) and verified is None
    client_for(a, central).step()
    client_for(b, central).step()

    typed = ApplicantForm(
        ApplicantKind.PERSON, "４３０４０５１９８００１０１１２３９", "刘衡阳", "13812345678"
    )
    value, soft, verified = intake_b.field_check(typed, "id_number", now.date())
    assert (value, soft) == (HENGYANG_ID, ())
    assert verified is not None and verified.text == "已核验（值班长 张伟 2026-11-02）"
    clerk_b = sign_in(b, "lina", DEMO_PASSWORD, "5", now)
    result = intake_b.decide(clerk_b, accept(intake_b, typed), now)  # no second override
    assert result.case.applicant_id_number == HENGYANG_ID and result.case.window == "5"
