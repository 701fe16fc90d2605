"""The progress bar on stderr (``cli.progress``): drawn at a terminal only, where its ticks count;
elsewhere a tick is a no-op and says so (``Tick.shown``), so that a caller does not pay for the
count it would pass (the batch asks its input's position, a system call, only for a bar)."""

from __future__ import annotations

import io

from almamatch.cli.progress import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_no_bar_is_drawn_and_the_tick_says_so() -> None:
    stream = io.StringIO()
    with progress("deciding", bytes_total=100, stream=stream) as tick:
        assert not tick.shown
        tick(50)
    assert stream.getvalue() == ""


def test_at_a_terminal_the_bar_counts_the_ticks() -> None:
    stream = _Terminal()
    with progress("deciding", bytes_total=100, stream=stream) as tick:
        assert tick.shown
        tick(50)
        bar = tick._bar
        assert bar is not None
        assert bar.tasks[0].completed == 50
    assert "deciding" in stream.getvalue()
