"""What areas add to the shared pages: menu sections and entries, home-page cards, and
actions offered on another area's record page.

Each area registers its own from its ``AppConfig.ready()``; the layout, the home page and
the record pages show whatever is registered, in ``order``, to whoever the item's
``shown_to``/``context`` lets see it. Nothing here knows an area.

* A :class:`MenuSection` is a heading of the left menu ("Battle map"); a
  :class:`MenuEntry` is a link under it, named by its URL name, shown when
  ``shown_to(user)`` says so. The entry whose address is the longest prefix of the page's
  path is the active one.
* A :class:`HomeCard` is a block of the home page: a template and a function that gives
  its context for the request, or ``None`` when the card has nothing for this person.
* A :class:`RecordAction` is a button one area offers on another area's record page
  ("assign a task to this unit" on a unit's page; "propose as a meeting topic" on a
  contact): the record kind it applies to (``"org.unit"``), a label, an icon, and
  ``url(user, record)`` giving its address, or ``""`` when this user may not take it.
* A :class:`RecordPanel` is a block one area adds to another area's record page (a
  unit's tasks on the unit's page): the record kind, a title, a template, and
  ``context(request, record)`` giving what the template shows, or ``None`` when the panel
  has nothing for this person. The page shows them with ``{% record_panels record %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from heli.lib.registry import Registry


def _everyone(user: Any) -> bool:
    return True


@dataclass(frozen=True)
class MenuSection:
    """A heading of the left menu; ``code`` is what entries name."""

    code: str
    label: str | Promise
    order: int = 100


@dataclass(frozen=True)
class MenuEntry:
    """A link of the left menu, under ``section`` ("" for the top, like Home)."""

    code: str
    label: str | Promise
    url_name: str
    section: str = ""
    icon: str = "bi-circle"
    order: int = 100
    shown_to: Callable[[Any], bool] = field(default=_everyone, compare=False)
    # Active only on its own address, not on the pages below it (the home page).
    exact: bool = False


@dataclass(frozen=True)
class HomeCard:
    """A block of the home page: ``template`` rendered with ``context(request)``."""

    code: str
    template: str
    context: Callable[[Any], dict[str, Any] | None] = field(compare=False)
    order: int = 100


@dataclass(frozen=True)
class RecordAction:
    """A button offered on the page of a record of kind ``target`` (``"org.unit"``)."""

    code: str
    target: str  # the record's model label, lower case
    label: str | Promise
    url: Callable[[Any, Any], str] = field(compare=False)
    icon: str = "bi-plus-lg"
    order: int = 100


@dataclass(frozen=True)
class RecordPanel:
    """A block shown on the page of a record of kind ``target`` (``"org.unit"``):
    ``template`` rendered with ``context(request, record)`` as ``panel``, under ``title``.

    ``title`` in the context, when there, is the heading for this record ("Tasks of
    2026"); ``more_url`` and ``more_label`` are a link in the heading (to the full list
    the panel begins).
    """

    code: str
    target: str  # the record's model label, lower case
    title: str | Promise
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None] = field(compare=False)
    order: int = 100


MENU_SECTIONS: Registry[MenuSection] = Registry("menu section")
MENU_ENTRIES: Registry[MenuEntry] = Registry("menu entry")
HOME_CARDS: Registry[HomeCard] = Registry("home card")
RECORD_ACTIONS: Registry[RecordAction] = Registry("record action")
RECORD_PANELS: Registry[RecordPanel] = Registry("record panel")


@dataclass
class MenuLink:
    label: str
    url: str
    icon: str
    active: bool = False


@dataclass
class MenuBlock:
    """One heading of the menu as a person sees it, with the links they may follow."""

    label: str
    links: list[MenuLink]


def menu_for(user: Any, path: str) -> list[MenuBlock]:
    """The menu this user sees on the page at ``path``: sections without links are left out."""
    entries = [e for e in MENU_ENTRIES.all() if e.shown_to(user)]
    links = {e.code: MenuLink(str(e.label), reverse(e.url_name), e.icon) for e in entries}
    active = _active_entry(entries, links, path)
    if active is not None:
        links[active].active = True
    blocks = []
    top = [links[e.code] for e in entries if not e.section]
    if top:
        blocks.append(MenuBlock("", top))
    for section in MENU_SECTIONS.all():
        mine = [links[e.code] for e in entries if e.section == section.code]
        if mine:
            blocks.append(MenuBlock(str(section.label), mine))
    return blocks


def _active_entry(entries: list[MenuEntry], links: dict[str, MenuLink], path: str) -> str | None:
    best: tuple[int, str] | None = None
    for entry in entries:
        url = links[entry.code].url
        hit = path == url if entry.exact else path.startswith(url)
        if hit and (best is None or len(url) > best[0]):
            best = (len(url), entry.code)
    return best[1] if best else None


@dataclass
class ShownCard:
    template: str
    context: dict[str, Any]


def home_cards(request: Any) -> list[ShownCard]:
    """The home page's cards that have something for this person, in order."""
    shown = []
    for card in HOME_CARDS.all():
        context = card.context(request)
        if context is not None:
            shown.append(ShownCard(card.template, context))
    return shown


@dataclass
class ShownAction:
    label: str
    url: str
    icon: str


def record_actions(user: Any, record: Any) -> list[ShownAction]:
    """The buttons other areas offer this user on the page of ``record``."""
    target = record._meta.label_lower
    shown = []
    for action in RECORD_ACTIONS.all():
        if action.target != target:
            continue
        url = action.url(user, record)
        if url:
            shown.append(ShownAction(str(action.label), url, action.icon))
    return shown


@dataclass
class ShownPanel:
    code: str
    title: str
    template: str
    context: dict[str, Any]


def record_panels(request: Any, record: Any) -> list[ShownPanel]:
    """The panels other areas add for this person to the page of ``record``, in order."""
    target = record._meta.label_lower
    shown = []
    for panel in RECORD_PANELS.all():
        if panel.target != target:
            continue
        context = panel.context(request, record)
        if context is not None:
            title = str(context.get("title") or panel.title)
            shown.append(ShownPanel(panel.code, title, panel.template, context))
    return shown
