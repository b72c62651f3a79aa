"""Who may make which service call: the allowed/refused table, in one place.

Every service call a person makes takes their :class:`~counter.services.session.Session`
and checks it with ``Session.require`` as its first statement, before any record is
read, so a refused role learns nothing from the error. ``tests/services/test_roles.py``
calls every public method of every service class with every role and asserts this
table, and fails when a service grows a method that is in neither table below.

Allowed (✓) and refused (✗), the admin passing every check (the system administrator
keeps the station running; that is how ``Session.require`` has always worked):

| call                              | clerk | specialist | supervisor | admin |
|-----------------------------------|-------|------------|------------|-------|
| CalendarService.confirm_year      | ✗     | ✗          | ✓          | ✓     |
| CalendarService.import_file       | ✗     | ✗          | ✓          | ✓     |
| CalendarService.set_day           | ✗     | ✗          | ✓          | ✓     |
| CasesService.act                  | ✓     | ✓          | ✓          | ✓     |
| CasesService.notice               | ✓     | ✓          | ✓          | ✓     |
| CasesService.promise_met          | ✓     | ✓          | ✓          | ✓     |
| CasesService.supplement_arrived   | ✓     | ✓          | ✓          | ✓     |
| CasesService.unmask               | ✓     | ✓          | ✓          | ✓     |
| CatalogService.import_catalog     | ✗     | ✗          | ✓          | ✓     |
| CreditListService.add             | ✗     | ✗          | ✓          | ✓     |
| CreditListService.entries         | ✗     | ✗          | ✓          | ✓     |
| CreditListService.import_file     | ✗     | ✗          | ✓          | ✓     |
| CreditListService.remove          | ✗     | ✗          | ✓          | ✓     |
| CentralQueue.call_next            | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.call_specific        | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.clerk_state          | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.finish               | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.hold                 | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.link_case            | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.recall               | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.resume               | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.set_clerk_state      | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.skip                 | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.start                | ✓     | ✓          | ✓          | ✓     |
| CentralQueue.transfer             | ✓     | ✓          | ✓          | ✓     |
| GiftPackService.hand_over         | ✓     | ✗          | ✓          | ✓     |
| GiftPackService.issue_voucher     | ✓     | ✗          | ✓          | ✓     |
| GiftPackService.open_pack         | ✓     | ✗          | ✓          | ✓     |
| GiftPackService.set_readiness     | ✓     | ✗          | ✓          | ✓     |
| IntakeService.confirm_override    | ✓     | ✓          | ✓          | ✓     |
| IntakeService.decide              | ✓     | ✗          | ✓          | ✓     |
| IntakeService.search              | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.call_next              | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.call_specific          | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.clerk_state            | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.finish                 | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.hold                   | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.link_case              | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.recall                 | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.resume                 | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.set_category_windows   | ✗     | ✗          | ✓          | ✓     |
| LocalQueue.set_clerk_state        | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.skip                   | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.start                  | ✓     | ✓          | ✓          | ✓     |
| LocalQueue.transfer               | ✓     | ✓          | ✓          | ✓     |
| PrintService.cancel               | ✓     | ✓          | ✓          | ✓     |
| PrintService.reprint              | ✓     | ✓          | ✓          | ✓     |
| PrintService.retry                | ✓     | ✓          | ✓          | ✓     |
| PrintService.submit               | ✓     | ✓          | ✓          | ✓     |
| RatingsService.followups          | ✓     | ✓          | ✓          | ✓     |
| RatingsService.notes              | ✓     | ✓          | ✓          | ✓     |
| RatingsService.rate_case          | ✗     | ✗          | ✓          | ✓     |
| RatingsService.rating_of          | ✗     | ✗          | ✓          | ✓     |
| RatingsService.register           | ✓     | ✓          | ✓          | ✓     |
| RatingsService.step               | ✓     | ✓          | ✓          | ✓     |
| SettingsService.update            | ✗     | ✗          | ✓          | ✓     |
| StaffService.replace_demo_accounts| ✗     | ✗          | ✓          | ✓     |
| StaffService.unlock_sign_in       | ✗     | ✗          | ✓          | ✓     |
| StatisticsService.record_export   | ✗     | ✗          | ✓          | ✓     |
| StatisticsService.report          | ✗     | ✗          | ✓          | ✓     |
| SyncService.dismiss               | ✗     | ✗          | ✓          | ✓     |
| SyncService.enrol                 | ✗     | ✗          | ✓          | ✓     |
| SyncService.finish_enrolment      | ✗     | ✗          | ✓          | ✓     |
| SyncService.resolve_conflict      | ✗     | ✗          | ✓          | ✓     |
| SyncService.resubmit              | ✗     | ✗          | ✓          | ✓     |
| SyncService.start_enrolment       | ✗     | ✗          | ✓          | ✓     |
| VisitsService.add_task            | ✗     | ✓          | ✓          | ✓     |
| VisitsService.authorise           | ✗     | ✓          | ✓          | ✓     |
| VisitsService.finish_task         | ✗     | ✓          | ✓          | ✓     |
| VisitsService.make_draft          | ✗     | ✓          | ✓          | ✓     |
| VisitsService.prereview           | ✗     | ✓          | ✓          | ✓     |
| VisitsService.save_visit          | ✗     | ✓          | ✓          | ✓     |

The window: a clerk acts only at the window they signed in at. A clerk's session with
no window is refused every call above, a ticket is handled only at the window that
called it (``Ticket.check_at_window``), and cases, tickets, print jobs and audit
entries record the session's window.

Adding a service: one line in :data:`ROLE_TABLE` (and the row above) for each method
that takes a session, or one line in :data:`UNGUARDED` saying why a method needs none.
"""

from __future__ import annotations

from collections.abc import Mapping

from counter.model.staff import Role

#: Everyone who signs in.
EVERYONE: tuple[Role, ...] = (Role.CLERK, Role.SPECIALIST, Role.SUPERVISOR, Role.ADMIN)
#: Staff who serve visitors: at a window or, for the specialist, on a visit.
HALL_STAFF: tuple[Role, ...] = (Role.CLERK, Role.SUPERVISOR, Role.SPECIALIST)
#: Staff who take decisions at a window (certified: 持证上岗).
WINDOW_STAFF: tuple[Role, ...] = (Role.CLERK, Role.SUPERVISOR)
#: The duty supervisor (值班长): catalog, holidays, settings, sync refusals.
SUPERVISORS: tuple[Role, ...] = (Role.SUPERVISOR,)
#: Staff who visit enterprises (帮代办): the specialists, and the supervisor covering for them.
SITE_VISITORS: tuple[Role, ...] = (Role.SPECIALIST, Role.SUPERVISOR)


#: Each call's group; the calls open to :data:`EVERYONE` make no role check at all.
ROLE_TABLE: Mapping[str, tuple[Role, ...]] = {
    "CalendarService.confirm_year": SUPERVISORS,
    "CalendarService.import_file": SUPERVISORS,
    "CalendarService.set_day": SUPERVISORS,
    "CasesService.act": HALL_STAFF,
    "CasesService.notice": HALL_STAFF,
    "CasesService.promise_met": HALL_STAFF,
    "CasesService.supplement_arrived": HALL_STAFF,
    "CasesService.unmask": HALL_STAFF,
    "CatalogService.import_catalog": SUPERVISORS,
    "CreditListService.add": SUPERVISORS,
    "CreditListService.entries": SUPERVISORS,
    "CreditListService.import_file": SUPERVISORS,
    "CreditListService.remove": SUPERVISORS,
    "CentralQueue.call_next": HALL_STAFF,
    "CentralQueue.call_specific": HALL_STAFF,
    "CentralQueue.clerk_state": EVERYONE,
    "CentralQueue.finish": HALL_STAFF,
    "CentralQueue.hold": HALL_STAFF,
    "CentralQueue.link_case": EVERYONE,
    "CentralQueue.recall": HALL_STAFF,
    "CentralQueue.resume": HALL_STAFF,
    "CentralQueue.set_clerk_state": HALL_STAFF,
    "CentralQueue.skip": HALL_STAFF,
    "CentralQueue.start": HALL_STAFF,
    "CentralQueue.transfer": HALL_STAFF,
    "GiftPackService.hand_over": WINDOW_STAFF,
    "GiftPackService.issue_voucher": WINDOW_STAFF,
    "GiftPackService.open_pack": WINDOW_STAFF,
    "GiftPackService.set_readiness": WINDOW_STAFF,
    "IntakeService.confirm_override": EVERYONE,
    "IntakeService.decide": WINDOW_STAFF,
    "IntakeService.search": EVERYONE,
    "LocalQueue.call_next": HALL_STAFF,
    "LocalQueue.call_specific": HALL_STAFF,
    "LocalQueue.clerk_state": EVERYONE,
    "LocalQueue.finish": HALL_STAFF,
    "LocalQueue.hold": HALL_STAFF,
    "LocalQueue.link_case": EVERYONE,
    "LocalQueue.recall": HALL_STAFF,
    "LocalQueue.resume": HALL_STAFF,
    "LocalQueue.set_category_windows": SUPERVISORS,
    "LocalQueue.set_clerk_state": HALL_STAFF,
    "LocalQueue.skip": HALL_STAFF,
    "LocalQueue.start": HALL_STAFF,
    "LocalQueue.transfer": HALL_STAFF,
    "PrintService.cancel": EVERYONE,
    "PrintService.reprint": EVERYONE,
    "PrintService.retry": EVERYONE,
    "PrintService.submit": EVERYONE,
    "RatingsService.followups": HALL_STAFF,
    "RatingsService.notes": HALL_STAFF,
    "RatingsService.rate_case": SUPERVISORS,
    "RatingsService.rating_of": SUPERVISORS,
    "RatingsService.register": HALL_STAFF,
    "RatingsService.step": HALL_STAFF,
    "SettingsService.update": SUPERVISORS,
    "StaffService.replace_demo_accounts": SUPERVISORS,
    "StaffService.unlock_sign_in": SUPERVISORS,
    "StatisticsService.record_export": SUPERVISORS,
    "StatisticsService.report": SUPERVISORS,
    "SyncService.dismiss": SUPERVISORS,
    "SyncService.enrol": SUPERVISORS,
    "SyncService.finish_enrolment": SUPERVISORS,
    "SyncService.resolve_conflict": SUPERVISORS,
    "SyncService.resubmit": SUPERVISORS,
    "SyncService.start_enrolment": SUPERVISORS,
    "VisitsService.add_task": SITE_VISITORS,
    "VisitsService.authorise": SITE_VISITORS,
    "VisitsService.finish_task": SITE_VISITORS,
    "VisitsService.make_draft": SITE_VISITORS,
    "VisitsService.prereview": SITE_VISITORS,
    "VisitsService.save_visit": SITE_VISITORS,
}

_READ = "a read for any signed-in page; shows masked data only"
_STATION = "the kiosk or the call board, which run without a sign-in"
_WORKER = "the print spool or sync worker, acting for no one"
_PAD = "the rating pad facing the visitor, which runs without a sign-in"
_SYSTEM = "the station itself (start-up, calendar change), acting for no one"

#: Public service methods that take no session, and why none is needed.
UNGUARDED: Mapping[str, str] = {
    "CalendarService.deadline": _READ,
    "CalendarService.missing_table_warning": _READ,
    "CalendarService.missing_table_year": _READ,
    "CalendarService.year": _READ,
    "CalendarService.year_known": _READ,
    "SyncService.devices": "hands out the 设备 section's service, whose every action checks the"
    " session itself (DevicesService)",
    "CasesService.by_number": _READ,
    "CasesService.clerks": _READ,
    "CasesService.deadlines": _READ,
    "CasesService.departments": _READ,
    "CasesService.detail": _READ,
    "CasesService.figures": _READ,
    "CasesService.find": _READ,
    "CasesService.get": _READ,
    "CasesService.recompute_open_deadlines": _SYSTEM,
    "CasesService.refresh_if_calendar_changed": _SYSTEM,
    "CasesService.row": _READ,
    "CreditListService.check_rongque": "intake asks it before 容缺; answers refused or not",
    "CatalogService.checklist": _READ,
    "CatalogService.department_name": _READ,
    "CatalogService.reload": _SYSTEM,
    "CatalogService.search": _READ,
    "CentralQueue.at_window": _READ,
    "CentralQueue.board": _STATION,
    "CentralQueue.categories": _STATION,
    "CentralQueue.check_in": _STATION,
    "CentralQueue.close": _SYSTEM,
    "CentralQueue.events": _READ,
    "CentralQueue.hand_over": _WORKER,
    "CentralQueue.issue": _STATION,
    "CentralQueue.note_reachable": _WORKER,
    "CentralQueue.requeue": _STATION,
    "CentralQueue.reserve_blocks": _WORKER,
    "CentralQueue.statistics": _READ,
    "CentralQueue.tickets_today": _READ,
    "CentralQueue.waiting": _READ,
    "GiftPackService.case_for": _READ,
    "GiftPackService.figures": _READ,
    "GiftPackService.view": _READ,
    "IntakeService.accepted": "a pure helper of decide() and act(), writes nothing",
    "IntakeService.checklist": _READ,
    "IntakeService.field_check": _READ,
    "IntakeService.items_of": _READ,
    "IntakeService.latest_promise": _READ,
    "IntakeService.new_request_id": "makes an id for a form; reads and writes nothing",
    "IntakeService.problems": _READ,
    "IntakeService.returning_applicant": _READ,
    "IntakeService.target": _READ,
    "IntakeService.verification": _READ,
    "LocalQueue.add_appointment": "bookings made on the booking site, arriving by sync",
    "LocalQueue.at_window": _READ,
    "LocalQueue.board": _STATION,
    "LocalQueue.categories": _STATION,
    "LocalQueue.check_in": _STATION,
    "LocalQueue.events": _READ,
    "LocalQueue.find": _READ,
    "LocalQueue.issue": _STATION,
    "LocalQueue.requeue": _STATION,
    "LocalQueue.statistics": _READ,
    "LocalQueue.tickets_today": _READ,
    "LocalQueue.waiting": _READ,
    "OfflineQueue.find": _READ,
    "PrintService.claim_next": _WORKER,
    "PrintService.drop_payloads": _WORKER,
    "PrintService.forget_station_tickets": _WORKER,
    "PrintService.giftpack_contents": _READ,
    "PrintService.job": _READ,
    "PrintService.jobs": _READ,
    "PrintService.jobs_for": _READ,
    "PrintService.missed_tickets": _READ,
    "PrintService.next_wakeup": _WORKER,
    "PrintService.not_printed": _WORKER,
    "PrintService.printed": _WORKER,
    "PrintService.recover": _SYSTEM,
    "PrintService.target_for": _READ,
    "PrintService.trouble": _READ,
    "RatingsService.apply_defaults": _SYSTEM,
    "RatingsService.next_for_window": _PAD,
    "RatingsService.rate": _PAD,
    "RatingsService.refresh": _SYSTEM,
    "StatisticsService.compute": "the monthly job and the benchmark; report() checks the role",
    "SettingsService.use_published": _WORKER,
    "StaffService.demo_accounts": _READ,
    "StaffService.demo_in_use": _READ,
    "SyncService.central": _READ,
    "SyncService.clock_note": _READ,
    "SyncService.conflicts": _READ,
    "SyncService.pull_failures": _READ,
    "SyncService.refused": _READ,
    "VisitsService.authorisations": _READ,
    "VisitsService.checklist": _READ,
    "VisitsService.default_dates": _READ,
    "VisitsService.draft": _READ,
    "VisitsService.find_target": _READ,
    "VisitsService.monthly_counts": _READ,
    "VisitsService.open_drafts": _READ,
    "VisitsService.prepare_list": _READ,
    "VisitsService.prereviews": _READ,
    "VisitsService.target": _READ,
    "VisitsService.tasks": _READ,
    "VisitsService.visit": _READ,
    "VisitsService.visits": _READ,
}


def allowed(call: str, role: Role) -> bool:
    """``Session.require`` lets the admin through every check."""
    return role in ROLE_TABLE[call] or role is Role.ADMIN


def roles_for(calls: tuple[str, ...]) -> frozenset[Role]:
    """Everyone any of ``calls`` lets through: the roles that may write what they write."""
    found = {Role.ADMIN}
    for call in calls:
        found |= set(ROLE_TABLE[call])
    return frozenset(found)
