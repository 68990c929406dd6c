"""The demonstration committee's logins (示例登录账号): one for every role, and their password.

For demonstration only; never load it into a production database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from heli.accounts.models import Role
from heli.org import demo_data as data

# Easy to type and remember; 9 characters of 4 classes, none of the usernames in it.
DEMO_PASSWORD = "Heli@2026"  # noqa: S105 - a published demonstration password


def development_run() -> bool:
    """Whether this is a development run: ``DEBUG`` is on (``make run`` turns it on).

    Then the demonstration accounts sign in with ``DEMO_PASSWORD`` as it is. Anywhere
    else the password is published, so each account must choose its own at the first
    sign-in.
    """
    return bool(settings.DEBUG)


ROLE_NAMES: dict[str, str] = {
    Role.COMMITTEE_LEADER: "工委领导",
    Role.COMMITTEE_STAFF: "工委处室",
    Role.MEETING_OFFICE: "联席会议办公室",
    Role.UNIT_LEADERSHIP: "单位党组（党委）成员",
    Role.UNIT_SECRETARY: "机关党委书记",
    Role.UNIT_STAFF: "机关党委工作人员",
    Role.SYSADMIN: "系统管理员",
    Role.SECADMIN: "安全管理员",
    Role.AUDITOR: "审计管理员",
}

_UNIT_SHORT_NAMES = {u.name: u.short_name for g in data.GROUPS for u in g.units}


@dataclass(frozen=True)
class DemoLogin:
    """A demonstration account: who it is and what it may do."""

    username: str
    full_name: str
    title: str
    roles: tuple[Role, ...]
    department: str = ""  # for committee_staff
    unit: str = ""  # for the unit roles

    @property
    def role_label(self) -> str:
        return " + ".join(ROLE_NAMES[r] for r in self.roles)

    @property
    def scope_label(self) -> str:
        if self.unit:
            return _UNIT_SHORT_NAMES.get(self.unit, self.unit)
        if self.department:
            return f"工委{self.department}（督办该处室的事项）"
        return "全工委"


def _login(person: data.PersonData | data.LeaderData, *roles: Role, **scope: str) -> DemoLogin:
    return DemoLogin(person.username, person.full_name, person.title, roles, **scope)


_SYSADMIN, _SECADMIN, _AUDITOR = data.ADMINS

# One login for every role, in the order they are shown.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    _login(data.LEADERS[0], Role.COMMITTEE_LEADER),
    _login(data.STAFF, Role.COMMITTEE_STAFF, department=data.STAFF_DEPARTMENT),
    _login(
        data.OFFICE, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE, department=data.OFFICE_DEPARTMENT
    ),
    *(
        _login(person, Role.COMMITTEE_STAFF, department=department)
        for person, department in data.DEPARTMENT_STAFF
    ),
    _login(data.UNIT_LEADER, Role.UNIT_LEADERSHIP, unit=data.DEMO_UNIT),
    _login(data.SECRETARY, Role.UNIT_SECRETARY, unit=data.DEMO_UNIT),
    _login(data.UNIT_STAFF, Role.UNIT_STAFF, unit=data.DEMO_UNIT),
    _login(_SYSADMIN, Role.SYSADMIN),
    _login(_SECADMIN, Role.SECADMIN),
    _login(_AUDITOR, Role.AUDITOR),
)
