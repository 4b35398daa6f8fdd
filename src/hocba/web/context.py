"""Template context: the menu a user sees follows from what the policy lets them do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from hocba.accounts.authz import grants_for, may_somewhere
from hocba.domain.access import ROLE_LABELS, Action, Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_for(user)
    return {
        "nav": {
            "schools": may_somewhere(user, Action.VIEW_SCHOOL),
            "students": may_somewhere(user, Action.VIEW_STUDENT),
            "teachers": may_somewhere(user, Action.VIEW_STAFF),
            "imports": may_somewhere(user, Action.EDIT_ROSTER),
            "roles": may_somewhere(user, Action.ASSIGN_ROLES),
            "audit": may_somewhere(user, Action.VIEW_AUDIT),
            # Teachers enter results; the principal locks terms and approves corrections.
            "gradebook": may_somewhere(user, Action.EDIT_RESULTS)
            or any(g.role is Role.PRINCIPAL for g in grants),
            # Signers hold a personal certificate; the Phòng/Sở approve schools' seals.
            "certificates": may_somewhere(user, Action.SIGN_RECORDS),
            "certificate_approvals": may_somewhere(user, Action.APPROVE_CERTIFICATE),
            # After the closing date the Sở decides on correction requests (QĐ 1789 Điều 21).
            "corrections": may_somewhere(user, Action.APPROVE_CORRECTION),
            # The student or parent shares an issued record with a verifier (issue 6).
            "sharing": may_somewhere(user, Action.SHARE_RECORDS),
        },
        "user_roles": sorted({ROLE_LABELS[g.role] for g in grants}),
    }
