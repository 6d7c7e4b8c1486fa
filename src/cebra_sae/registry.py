"""One small registry class for every kind of thing the study lists once.

Architectures, protocols, post-hoc representations, recording sources, tables, figures and
report pages are each a :class:`Registry`: entries by name, in registration order. It refuses
a second entry under a name already taken, and an unknown name raises :class:`UnknownName`,
whose message lists the names it knows (CEBRA's and SAELens' registries behave the same way).

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Colour:
    ...     name: str
    ...     hex: str
    >>> COLOURS = Registry("colour")
    >>> _ = COLOURS.register(Colour("orange", "#de8f05"))
    >>> COLOURS["orange"].hex, list(COLOURS), "blue" in COLOURS
    ('#de8f05', ['orange'], False)
    >>> COLOURS["blue"]
    Traceback (most recent call last):
    ...
    cebra_sae.registry.UnknownName: unknown colour 'blue'; known: orange
    >>> COLOURS.register(Colour("orange", "#ff0000"))
    Traceback (most recent call last):
    ...
    ValueError: a colour named 'orange' is already registered
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownName(KeyError):
    """A name no entry of a registry has; the message lists the known names.

    A ``KeyError`` (so ``name in registry`` and ``registry.get(name)`` work as for a dict)
    whose text is the message itself, not its ``repr``.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Registry(Mapping[str, T], Generic[T]):
    """Entries of one kind by name, in registration order.

    Args:
        kind: what an entry is ("SAE architecture", "protocol", ...), named in errors.
        check: called with each new entry before it is added (raises to refuse it).
    """

    def __init__(self, kind: str, check: Callable[[T], None] | None = None):
        self.kind = kind
        self._check = check
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        """Add ``entry`` under its ``name``; returns it (usable as a decorator on classes).

        Raises:
            ValueError: the name is already registered.
        """
        name = entry.name
        if name in self._entries:
            raise ValueError(f"a {self.kind} named '{name}' is already registered")
        if self._check is not None:
            self._check(entry)
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests register toy entries and remove them again)."""
        self._entries.pop(name, None)

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self._entries) or "none"
            raise UnknownName(f"unknown {self.kind} '{name}'; known: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
