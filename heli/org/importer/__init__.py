"""Excel import of the registry — groups, units and people — all or nothing.

``parse_workbook`` reads an uploaded workbook, checks every cell against the
format and against the committee's registry, and returns an ``ImportPlan``
holding the rows to apply and every problem found (sheet, row as Excel shows
it, column, reason). ``apply_import`` writes a plan without problems in one
transaction. ``build_template`` makes the downloadable template. Nothing here
knows about HTTP.

The modules, each importing only those above it in this list: ``specs`` (the
sheets, columns and reasons), ``plan`` (what a file asks for and what an import
changed), ``check`` (checks against the registry), ``parse`` (reading a file
into a checked plan), ``apply`` (writing it) and ``template``. Reading the
workbook itself is heli.lib.sheets' work.
"""

from heli.lib.sheets import EXAMPLE_MARK, EXAMPLE_MARKS, MAX_ROWS, Problem, too_large_problem
from heli.org.importer.apply import apply_import
from heli.org.importer.parse import parse_workbook
from heli.org.importer.plan import (
    GroupRow,
    ImportApplyError,
    ImportPlan,
    ImportSummary,
    PersonRow,
    Tally,
    UnitRow,
)
from heli.org.importer.specs import (
    GROUPS_SPEC,
    PEOPLE_SPEC,
    REASONS,
    SPECS,
    UNITS_SPEC,
    problem,
)
from heli.org.importer.template import build_template, template_instructions

__all__ = [
    "EXAMPLE_MARK",
    "EXAMPLE_MARKS",
    "GROUPS_SPEC",
    "MAX_ROWS",
    "PEOPLE_SPEC",
    "REASONS",
    "SPECS",
    "UNITS_SPEC",
    "GroupRow",
    "ImportApplyError",
    "ImportPlan",
    "ImportSummary",
    "PersonRow",
    "Problem",
    "Tally",
    "UnitRow",
    "apply_import",
    "build_template",
    "parse_workbook",
    "problem",
    "template_instructions",
    "too_large_problem",
]
