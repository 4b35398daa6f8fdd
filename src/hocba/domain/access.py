"""Who may do what, on which object: the one authorisation policy of hocba.

Pure rules, no Django. The web views, the API and the command line all ask
``decide(grants, action, target)`` (through ``hocba.accounts.authz``), so one table answers
every "may this user do this action on this object".

Sources: the roles and their authority in DOMAIN.md §1.6 and HCMC Quy chế 1789/QĐ-SGDĐT
Điều 5 (the admin "assigns rights but cannot touch result data"), Điều 28–35.

A *grant* is one role assignment: a role held in one organisation unit (province, area,
school, class, class × subject, or student) for one school year (``year=None``: every year,
for officers, students and parents). A *target* is where an object sits: a student sits in
every class they were enrolled in, one *place* per enrolment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    BO_OFFICER = "can_bo_bo"  # Cán bộ Bộ GDĐT
    SO_OFFICER = "can_bo_so"  # Cán bộ Sở GDĐT
    PHONG_OFFICER = "can_bo_phong"  # Cán bộ Phòng GDĐT / khu vực
    SCHOOL_ADMIN = "quan_tri"  # Quản trị hệ thống của trường
    PRINCIPAL = "hieu_truong"  # Hiệu trưởng (CBQL)
    VICE_PRINCIPAL = "pho_hieu_truong"  # Phó hiệu trưởng (CBQL)
    VAN_THU = "van_thu"  # Văn thư, giữ chứng thư số của tổ chức
    HOC_VU = "hoc_vu"  # Học vụ
    GVCN = "gvcn"  # Giáo viên chủ nhiệm
    GVBM = "gvbm"  # Giáo viên bộ môn
    STUDENT = "hoc_sinh"
    PARENT = "phu_huynh"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.BO_OFFICER: "Cán bộ Bộ GDĐT",
    Role.SO_OFFICER: "Cán bộ Sở GDĐT",
    Role.PHONG_OFFICER: "Cán bộ Phòng GDĐT",
    Role.SCHOOL_ADMIN: "Quản trị nhà trường",
    Role.PRINCIPAL: "Hiệu trưởng",
    Role.VICE_PRINCIPAL: "Phó hiệu trưởng",
    Role.VAN_THU: "Văn thư",
    Role.HOC_VU: "Học vụ",
    Role.GVCN: "Giáo viên chủ nhiệm",
    Role.GVBM: "Giáo viên bộ môn",
    Role.STUDENT: "Học sinh",
    Role.PARENT: "Phụ huynh",
}


class Action(StrEnum):
    VIEW_SCHOOL = "school.view"  # the school, its classes and counts: no personal data
    VIEW_STAFF = "staff.view"  # teachers and their assignments
    VIEW_STUDENT = "student.view"  # a student's personal data (every read is audited)
    EDIT_ROSTER = "roster.edit"  # students, classes, enrolments, teachers, Excel imports
    VIEW_RESULTS = "results.view"
    EDIT_RESULTS = "results.edit"
    # After the year: re-evaluation results and rèn luyện after summer (TT 22/2021 Điều 13–14).
    REASSESS = "results.reassess"
    ASSIGN_ROLES = "roles.assign"
    VIEW_AUDIT = "audit.view"
    COMPOSE_RECORDS = "records.compose"  # create the học bạ of a class once results are final
    # The signing chain (CV 2088 PL1 III steps 4-7; HCMC QĐ 1789 Điều 14, 17, 20): a subject
    # teacher signs their subject, the GVCN their class, the principal (CBQL) the school's.
    SIGN_RECORDS = "records.sign"
    SEAL_RECORDS = "records.seal"  # the organisation signature that issues (văn thư)
    REVOKE_RECORDS = "records.revoke"  # revoke and replace before the closing date (Điều 21)
    APPROVE_CORRECTION = "records.approve_correction"  # after closing: the Sở approves
    REGISTER_CERTIFICATE = "certificates.register"  # the school's organisation certificate
    APPROVE_CERTIFICATE = "certificates.approve"  # Phòng or Sở (QĐ 1789 Điều 7-10)
    # The holder (student or parent) lets a verifier see their issued record (issue 6 §2).
    SHARE_RECORDS = "records.share"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.VIEW_SCHOOL: "xem thông tin trường và lớp",
    Action.VIEW_STAFF: "xem danh sách giáo viên",
    Action.VIEW_STUDENT: "xem thông tin cá nhân của học sinh",
    Action.EDIT_ROSTER: "sửa danh sách lớp, học sinh, giáo viên",
    Action.VIEW_RESULTS: "xem kết quả học tập",
    Action.EDIT_RESULTS: "nhập, sửa kết quả học tập",
    Action.REASSESS: "nhập kết quả kiểm tra, đánh giá lại và rèn luyện hè",
    Action.ASSIGN_ROLES: "phân quyền người dùng",
    Action.VIEW_AUDIT: "xem nhật ký hệ thống",
    Action.COMPOSE_RECORDS: "tạo học bạ số từ kết quả cả năm",
    Action.SIGN_RECORDS: "ký học bạ số",
    Action.SEAL_RECORDS: "ký số phát hành học bạ bằng chứng thư số của trường",
    Action.REVOKE_RECORDS: "thu hồi và thay thế học bạ số",
    Action.APPROVE_CORRECTION: "duyệt yêu cầu chỉnh lý học bạ số",
    Action.REGISTER_CERTIFICATE: "đăng ký chứng thư số của trường",
    Action.APPROVE_CERTIFICATE: "duyệt chứng thư số của trường",
    Action.SHARE_RECORDS: "tạo mã xác minh để chia sẻ học bạ",
}

A = Action
# What each role may do at all; *where* it may do it is the scope rule below.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.BO_OFFICER: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STAFF, A.VIEW_STUDENT, A.VIEW_RESULTS, A.VIEW_AUDIT}
    ),
    # The Sở runs the provincial system: it sees its province's log and names school admins.
    # It approves school certificates (THPT) and corrections after the closing date (CV 2088
    # PL1 III; QĐ 1789 Điều 7-10, 21); the Phòng approves TH and THCS certificates.
    Role.SO_OFFICER: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STAFF, A.VIEW_STUDENT, A.VIEW_RESULTS, A.VIEW_AUDIT, A.ASSIGN_ROLES,
         A.APPROVE_CERTIFICATE, A.APPROVE_CORRECTION}
    ),
    Role.PHONG_OFFICER: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STAFF, A.VIEW_STUDENT, A.VIEW_RESULTS, A.VIEW_AUDIT,
         A.APPROVE_CERTIFICATE}
    ),
    # HCMC QĐ 1789 Điều 5: the admin assigns rights but cannot touch result data. It sees
    # who the students are, to link student and parent accounts, and nothing of their results.
    # CV 2088 PL1 III: "văn thư or admin" declares the school's organisation certificate.
    Role.SCHOOL_ADMIN: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STAFF, A.VIEW_STUDENT, A.ASSIGN_ROLES, A.REGISTER_CERTIFICATE}
    ),
    # The principal answers for the school's records and sees its log (Điều 29), and
    # approves promotion, re-tests and summer training on the system (Điều 28).
    Role.PRINCIPAL: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STAFF, A.VIEW_STUDENT, A.EDIT_ROSTER, A.VIEW_RESULTS, A.VIEW_AUDIT,
         A.COMPOSE_RECORDS, A.REASSESS, A.SIGN_RECORDS, A.REVOKE_RECORDS, A.REGISTER_CERTIFICATE}
    ),
    Role.VICE_PRINCIPAL: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STAFF, A.VIEW_STUDENT, A.VIEW_RESULTS}
    ),
    # Văn thư seals and issues: it must see what it seals, and changes nothing.
    Role.VAN_THU: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STUDENT, A.VIEW_RESULTS, A.SEAL_RECORDS, A.REGISTER_CERTIFICATE}
    ),
    # Học vụ keeps the student records, transfers and imports (Điều 5, 33), and creates the
    # học bạ once the year's results are final (CV 2088 PL1 III, creation steps 1–2). With
    # the principal it organises re-evaluation and summer training (QĐ 1789 Điều 28).
    Role.HOC_VU: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STAFF, A.VIEW_STUDENT, A.EDIT_ROSTER, A.VIEW_RESULTS,
         A.COMPOSE_RECORDS, A.REASSESS}
    ),
    Role.GVCN: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STUDENT, A.VIEW_RESULTS, A.EDIT_RESULTS, A.SIGN_RECORDS}
    ),
    Role.GVBM: frozenset(
        {A.VIEW_SCHOOL, A.VIEW_STUDENT, A.VIEW_RESULTS, A.EDIT_RESULTS, A.SIGN_RECORDS}
    ),
    Role.STUDENT: frozenset({A.VIEW_STUDENT, A.VIEW_RESULTS, A.SHARE_RECORDS}),
    Role.PARENT: frozenset({A.VIEW_STUDENT, A.VIEW_RESULTS, A.SHARE_RECORDS}),
}

OFFICER_ROLES = frozenset({Role.BO_OFFICER, Role.SO_OFFICER, Role.PHONG_OFFICER})
SCHOOL_ROLES = frozenset(
    {Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.VAN_THU, Role.HOC_VU}
)
CLASS_ROLES = frozenset({Role.GVCN, Role.GVBM})
FAMILY_ROLES = frozenset({Role.STUDENT, Role.PARENT})
# A subject teacher reads, writes and signs only the subject they teach (QĐ 1789 Điều 5, 32).
RESULT_ACTIONS = frozenset({A.VIEW_RESULTS, A.EDIT_RESULTS, A.SIGN_RECORDS})


@dataclass(frozen=True)
class Place:
    """Where an object sits. ``None`` means "not applicable" (a school has no class)."""

    province: int | None = None
    area: int | None = None
    school: int | None = None
    year: int | None = None
    school_class: int | None = None
    subject: int | None = None
    student: int | None = None


@dataclass(frozen=True)
class Target:
    """The object an action is asked on: a kind for messages and the places it sits in."""

    kind: str
    places: tuple[Place, ...]


@dataclass(frozen=True)
class Grant:
    """One role assignment, as the policy sees it."""

    role: Role
    province: int | None = None
    area: int | None = None
    school: int | None = None
    year: int | None = None
    school_class: int | None = None
    subject: int | None = None
    student: int | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    grant: Grant | None = None

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def role_label(self) -> str:
        """The role the user acted under (for the audit log); empty when refused."""
        return self.grant.role.label if self.grant else ""


def _in_scope(grant: Grant, action: Action, place: Place) -> bool:
    """Whether ``place`` lies inside the unit (and year) that ``grant`` covers."""
    if grant.year is not None and place.year is not None and place.year != grant.year:
        return False
    role = grant.role
    if role is Role.BO_OFFICER:
        return True
    if role is Role.SO_OFFICER:
        return place.province is not None and place.province == grant.province
    if role is Role.PHONG_OFFICER:
        return place.area is not None and place.area == grant.area
    if role in SCHOOL_ROLES:
        return place.school is not None and place.school == grant.school
    if role in CLASS_ROLES:
        if action is A.VIEW_SCHOOL and place.school_class is None:
            # A teacher sees the general page of the school they teach in.
            return place.school is not None and place.school == grant.school
        if place.school_class is None or place.school_class != grant.school_class:
            return False
        if role is Role.GVBM and action in RESULT_ACTIONS:
            # A subject teacher's results are those of the subject they teach in that class.
            return place.subject is not None and place.subject == grant.subject
        if role is Role.GVCN and action is A.EDIT_RESULTS:
            # GVCN writes the class-level results (conduct, comments, qualities); subject
            # scores belong to the subject teacher (HCMC QĐ 1789 Điều 5, 31, 32).
            return place.subject is None
        return True
    if role in FAMILY_ROLES:
        return place.student is not None and place.student == grant.student
    return False


def decide(grants: Iterable[Grant], action: Action, target: Target) -> Decision:
    """May a user holding ``grants`` do ``action`` on ``target``? With the reason."""
    held = list(grants)
    if not held:
        return Decision(False, "Tài khoản chưa được phân quyền.")
    capable = [g for g in held if action in ROLE_ACTIONS[g.role]]
    if not capable:
        roles = ", ".join(sorted({g.role.label for g in held}))
        return Decision(False, f"Vai trò {roles} không được {action.label}.")
    for grant in capable:
        for place in target.places:
            if _in_scope(grant, action, place):
                return Decision(True, f"{grant.role.label}: được {action.label}.", grant)
    return Decision(False, f"Không được {action.label} ngoài phạm vi được phân công.")


# Who may hand out which role. The school admin assigns the school's rights (HCMC QĐ 1789
# Điều 5); the Sở names officers, school admins and principals in its province. Teaching
# roles are not handed out: they follow from the roster (homeroom, teaching assignments).
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.SO_OFFICER: frozenset(
        {Role.SO_OFFICER, Role.PHONG_OFFICER, Role.SCHOOL_ADMIN, Role.PRINCIPAL}
    ),
    Role.SCHOOL_ADMIN: frozenset(
        {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.VAN_THU, Role.HOC_VU, Role.STUDENT,
         Role.PARENT}
    ),
}


def may_grant(grants: Iterable[Grant], role: Role, target: Target) -> Decision:
    """May a user holding ``grants`` give ``role`` on ``target`` (a unit, school or student)?"""
    givers = [g for g in grants if role in GRANTABLE.get(g.role, frozenset())]
    if not givers:
        return Decision(False, f"Bạn không được phân vai trò {role.label}.")
    return decide(givers, Action.ASSIGN_ROLES, target)
