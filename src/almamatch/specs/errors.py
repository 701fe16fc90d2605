"""The errors a spec file can cause, each naming the file and line a librarian must fix.

Theory of operation: a spec that cannot run is bad input, so it raises; a spec that runs and finds
Alma behaving otherwise is an expected outcome, so it is a value (``Mismatch`` in ``steps``).
"""

from __future__ import annotations

from pathlib import Path

from almamatch.core.errors import AlmamatchError

__all__ = ["SpecError", "SpecFileError"]


class SpecError(AlmamatchError):
    """A step, table row or value in a spec that almamatch cannot use.

    ``where`` is ``file:line`` once the runner knows the line; the message reads
    ``specs/brief.feature:12: row 3 of the table: ...``.
    """

    def __init__(self, text: object, reason: str, detail: str = "", *, line: int = 0) -> None:
        super().__init__(text, reason, detail)
        self.line = line
        self.path: Path | None = None

    def located(self, path: Path, line: int) -> SpecError:
        """This error, placed at ``path:line`` unless it already names a more precise line."""
        self.path = path
        if not self.line:
            self.line = line
        return self

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.path else f"line {self.line}"

    def __str__(self) -> str:
        message = self.detail or f"{self.text!r} ({self.reason})"
        return f"{self.where}: {message}" if self.path or self.line else message


class SpecFileError(SpecError):
    """A spec file that cannot be read or is not valid Gherkin."""
