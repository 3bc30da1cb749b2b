"""The five roles (Django groups) and the permissions each holds: the one place they are defined.

The groups themselves are created by a data migration; their permissions are synchronised with
this table after every ``migrate`` so that code and database never disagree.
"""

SALES = "Sales"
LEGAL = "Legal"
ENGINEERING = "Engineering"
LEADERSHIP = "Leadership"
SUPPORT = "Support"
ROLES = (SALES, LEGAL, ENGINEERING, LEADERSHIP, SUPPORT)

_VIEW_CATALOG = [
    "catalog.view_team",
    "catalog.view_service",
    "catalog.view_customer",
    "catalog.view_indicator",
    "slos.view_slo",
    "slos.view_bufferpolicy",
    "contracts.view_creditschedule",
    "contracts.view_credittier",
]
_VIEW_CONTRACTS = [
    "contracts.view_contract",
    "contracts.view_commitment",
    "contracts.view_signoff",
    "contracts.view_waiver",
    "contracts.view_contractdocument",
]

# Business calendars: the support desk keeps them; engineering and leadership read the hours
# their support clocks run on.
_VIEW_CALENDARS = ["calendars.view_calendar"]

# Tickets and their clocks: the desk works them; engineering and leadership read them.
_VIEW_TICKETS = [
    "support.view_ticket",
    "support.view_ticketevent",
    "support.view_ticketclock",
    "support.view_escalationpolicy",
    "support.view_escalationlevel",
    "support.view_escalation",
    "support.view_breachcause",
    "support.view_breachreview",
]

_VIEW_DRIFT = [
    "drift.view_driftevent",
    "notifications.view_notificationchannel",
    "notifications.view_notificationdelivery",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SALES: [
        *_VIEW_CATALOG,
        *_VIEW_CONTRACTS,
        "catalog.add_customer",
        # Only a customer that is theirs alone; legal changes any (catalog.policies).
        "catalog.change_customer",
        "contracts.add_contract",
        "contracts.change_contract",
        "contracts.add_commitment",
        "contracts.change_commitment",
        "contracts.delete_commitment",
        "contracts.submit_contract",
    ],
    LEGAL: [
        *_VIEW_CATALOG,
        *_VIEW_CONTRACTS,
        "catalog.add_customer",
        "catalog.change_customer",
        "contracts.change_contract",
        "contracts.change_commitment",
        "contracts.add_creditschedule",
        "contracts.change_creditschedule",
        "contracts.add_credittier",
        "contracts.change_credittier",
        "contracts.delete_credittier",
        "contracts.legal_approve_contract",
        "contracts.sign_contract",
        "contracts.terminate_contract",
        "contracts.amend_contract",
    ],
    ENGINEERING: [
        *_VIEW_CATALOG,
        *_VIEW_CONTRACTS,
        "catalog.add_service",
        "catalog.change_service",
        "catalog.add_indicator",
        "catalog.change_indicator",
        "slos.add_slo",
        "slos.change_slo",
        "slos.add_bufferpolicy",
        "slos.change_bufferpolicy",
        "contracts.signoff_commitment",
        *_VIEW_CALENDARS,
        *_VIEW_TICKETS,
        *_VIEW_DRIFT,
        "drift.resolve_driftevent",
        "notifications.add_notificationchannel",
        "notifications.change_notificationchannel",
        "notifications.retry_notificationdelivery",
        "measurements.view_slisample",
        "measurements.add_slisample",
        "measurements.view_releasegateexception",
        "measurements.add_releasegateexception",
    ],
    LEADERSHIP: [
        *_VIEW_CATALOG,
        *_VIEW_CONTRACTS,
        "contracts.add_waiver",
        "contracts.change_waiver",
        *_VIEW_CALENDARS,
        *_VIEW_TICKETS,
        *_VIEW_DRIFT,
        "drift.resolve_driftevent",
        "measurements.view_slisample",
        "measurements.view_releasegateexception",
    ],
    SUPPORT: [
        *_VIEW_CATALOG,
        *_VIEW_CALENDARS,
        "calendars.add_calendar",
        "calendars.change_calendar",
        *_VIEW_TICKETS,
        "support.add_ticket",
        "support.add_ticketevent",
        "support.view_helpdesksource",
        "support.add_helpdesksource",
        "support.change_helpdesksource",
        # The desk keeps its escalation policies and records why each breach happened.
        "support.add_escalationpolicy",
        "support.change_escalationpolicy",
        "support.add_escalationlevel",
        "support.change_escalationlevel",
        "support.delete_escalationlevel",
        "support.add_breachreview",
    ],
}


# Annual reviews: every role reads cycles and packets and signs off for itself; leadership opens
# cycles and regenerates packets. There is no customer success group: sales speaks for it.
_VIEW_REVIEWS = [
    "reviews.view_reviewcycle",
    "reviews.view_reviewpacket",
    "reviews.view_reviewsignoff",
]
_REVIEW_PERMISSIONS = {
    SALES: ["reviews.signoff_sales", "reviews.signoff_customer_success"],
    LEGAL: ["reviews.signoff_legal"],
    ENGINEERING: ["reviews.signoff_engineering"],
    LEADERSHIP: ["reviews.open_reviewcycle", "reviews.regenerate_reviewpacket"],
}
for _role, _codes in _REVIEW_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] += [*_VIEW_REVIEWS, *_codes]

# Support reports are read where the support metrics are: by the desk and by leadership.
for _role in (LEADERSHIP, SUPPORT):
    ROLE_PERMISSIONS[_role].append("support.view_supportreport")


def sync_role_permissions(sender=None, using="default", **kwargs):
    """Give each role group exactly the permissions of ROLE_PERMISSIONS.

    Runs after ``migrate`` once the last app has had its permissions created.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate is sent only for apps with a models module: wait for the last of those.
    with_models = [app for app in global_apps.get_app_configs() if app.models_module is not None]
    if sender is not None and sender is not with_models[-1]:
        return
    by_code = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([by_code[code] for code in codes if code in by_code])


def user_roles(user) -> set[str]:
    """The role names of a user (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_covenant_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._covenant_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))
