"""A registry of things that areas bring: a dict by code, with a display order.

Areas register from their ``AppConfig.ready()`` with the registry of the layer below
(access rules, task sources, reminder kinds, demo loaders, menu entries, home cards…);
nothing below an area names it. Registering the same code again replaces the item, so a
module that is imported twice does no harm.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Generic, Protocol, TypeVar


class Registrable(Protocol):
    @property
    def code(self) -> str: ...


T = TypeVar("T", bound=Registrable)


class Registry(Generic[T]):
    """Items keyed by their ``code``, listed by ``(order, code)`` when they have an order."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        self._items[item.code] = item
        return item

    def unregister(self, code: str) -> None:
        self._items.pop(code, None)

    def get(self, code: str) -> T | None:
        return self._items.get(code)

    def all(self) -> list[T]:
        return sorted(self._items.values(), key=lambda i: (getattr(i, "order", 0), i.code))

    def __iter__(self) -> Iterator[T]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, code: object) -> bool:
        return code in self._items

    @contextmanager
    def adding(self, *items: T, replace_all: bool = False) -> Iterator[None]:
        """For tests: these items are registered too inside the block (or, with
        ``replace_all``, only these); what was registered before is back after it."""
        saved = dict(self._items)
        try:
            if replace_all:
                self._items.clear()
            for item in items:
                self.register(item)
            yield
        finally:
            self._items.clear()
            self._items.update(saved)

    def only(self, *items: T) -> AbstractContextManager[None]:
        """For tests: exactly these items are registered inside the block."""
        return self.adding(*items, replace_all=True)

    def __repr__(self) -> str:
        return f"<Registry of {self.what}: {', '.join(self._items)}>"
