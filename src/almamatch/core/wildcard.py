"""Alma's ``*`` wildcard, matched in linear time: the one place a rule's text meets a record's.

Theory of operation: rule text written by people ("035.a.(OCoLC)*", ``contains "a*"``) is never
handed to a regular-expression engine, whose backtracking a hostile pattern can make exponential.
A ``Glob`` splits its text at each ``*`` into literal pieces once; ``matches`` then checks the
first piece as a prefix, the last as a suffix and finds each middle piece left to right with
``str.find``. Taking the leftmost place for each piece is always right for ``*``-only patterns (a
later piece can only gain room), so there is no backtracking: the work is bounded by the length of
the text times the number of pieces.
"""

from __future__ import annotations

from attrs import field, frozen

__all__ = ["Glob"]


def _pieces(value: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(value)


@frozen
class Glob:
    """Literal ``pieces`` with a ``*`` (any run of characters, also none) between each two.

    ``Glob.of("a*b")`` has pieces ``("a", "b")``; ``Glob.of("abc")`` has one piece and matches
    only ``"abc"``; ``Glob.of("*")`` has two empty pieces and matches everything.
    """

    pieces: tuple[str, ...] = field(converter=_pieces)

    @classmethod
    def of(cls, text: str) -> Glob:
        """A glob from text in which every ``*`` is the wildcard (no escapes)."""
        return cls(text.split("*"))

    @classmethod
    def literal(cls, text: str) -> Glob:
        return cls((text,))

    @property
    def has_wildcard(self) -> bool:
        return len(self.pieces) > 1

    def matches(self, text: str) -> bool:
        """Whether the whole of ``text`` matches; linear in ``len(text)`` per piece."""
        pieces = self.pieces
        if len(pieces) == 1:
            return text == pieces[0]
        first, last = pieces[0], pieces[-1]
        if len(text) < len(first) + len(last):
            return False
        if not text.startswith(first) or not text.endswith(last):
            return False
        position = len(first)
        end = len(text) - len(last)
        for piece in pieces[1:-1]:
            found = text.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return True

    def search(self, text: str) -> bool:
        """Whether the pattern occurs anywhere in ``text`` (as if ``*`` stood at both ends)."""
        if len(self.pieces) == 1:
            return self.pieces[0] in text
        return Glob(("", *self.pieces, "")).matches(text)

    def __str__(self) -> str:
        return "*".join(self.pieces)
