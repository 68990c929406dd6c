"""Excel import of the registry — groups, units, accounts and role grants — all or nothing.

``parse_workbook`` reads an uploaded workbook, checks every cell against the
format, against the committee's registry and against what the uploader may import, and
returns an ``ImportPlan`` holding the rows to apply and every problem found (sheet, row as
Excel shows it, column, reason). ``apply_import`` writes a plan of groups, units and
accounts without problems in one transaction; a plan of role grants is previewed first
and written by ``apply_role_import`` once the security administrator confirmed it.
Every change, and every import (refused ones too), is audited. ``build_template`` makes
the downloadable template. Nothing here knows about HTTP.

三员分立: groups and units are imported by the system administrator or the joint-meeting
office, accounts (without roles) by the system administrator, role grants by the security
administrator alone.

The modules, each importing only those above it in this list: ``specs`` (the
sheets, columns and reasons), ``plan`` (what a file asks for, who may ask it and what an
import changed), ``check`` (checks against the registry), ``parse`` (reading a file
into a checked plan), ``apply`` (writing it and auditing) and ``template``. Reading the
workbook itself is heli.lib.sheets' work.
"""

from heli.lib.sheets import EXAMPLE_MARK, EXAMPLE_MARKS, MAX_ROWS, Problem, too_large_problem
from heli.org.importer.apply import (
    apply_import,
    apply_role_import,
    record_import,
    record_refused_import,
)
from heli.org.importer.parse import check_again, parse_workbook
from heli.org.importer.plan import (
    GroupRow,
    ImportApplyError,
    ImportPlan,
    ImportSummary,
    PersonRow,
    Rights,
    RoleGrant,
    RoleRow,
    Source,
    Tally,
    UnitRow,
    rights_of,
)
from heli.org.importer.specs import (
    GROUPS_SPEC,
    PEOPLE_SPEC,
    REASONS,
    ROLES_SPEC,
    SPECS,
    UNITS_SPEC,
    problem,
)
from heli.org.importer.template import build_template, template_instructions, template_specs

__all__ = [
    "EXAMPLE_MARK",
    "EXAMPLE_MARKS",
    "GROUPS_SPEC",
    "MAX_ROWS",
    "PEOPLE_SPEC",
    "REASONS",
    "ROLES_SPEC",
    "SPECS",
    "UNITS_SPEC",
    "GroupRow",
    "ImportApplyError",
    "ImportPlan",
    "ImportSummary",
    "PersonRow",
    "Problem",
    "Rights",
    "RoleGrant",
    "RoleRow",
    "Source",
    "Tally",
    "UnitRow",
    "apply_import",
    "apply_role_import",
    "build_template",
    "check_again",
    "parse_workbook",
    "problem",
    "record_import",
    "record_refused_import",
    "rights_of",
    "template_instructions",
    "template_specs",
    "too_large_problem",
]
