"""How the ``almamatch`` process ends (``cli.ending``): what a command held is not freed one by
one, and nothing else of the interpreter's ending is lost: the output flushed, the ``atexit``
functions run, the exit code kept; a call of ``main()`` from a program keeps nothing."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from almamatch.cli.ending import keep_to_the_end
from almamatch.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SRC = str(Path(__file__).resolve().parents[1] / "src")


class _Held:
    """A value a command holds to its end."""


def _python(program: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True,
                          text=True, env=environment, check=False, timeout=120)


def test_a_call_from_a_program_keeps_nothing() -> None:
    held = _Held()
    gone = weakref.ref(held)
    keep_to_the_end(held)
    del held
    gc.collect()
    assert gone() is None


@pytest.mark.parametrize("code", [0, 1, 3])
def test_the_process_ends_with_the_code_its_output_and_its_atexit_work(code: int) -> None:
    done = _python(
        "import atexit, sys\n"
        "from almamatch.cli.ending import end_after, keep_to_the_end\n"
        "atexit.register(lambda: sys.stdout.write(' atexit'))\n"
        "class Held:\n"
        "    def __del__(self): sys.stdout.write(' freed')\n"
        "def command():\n"
        "    keep_to_the_end(Held())\n"
        "    sys.stdout.write('lines')  # no newline: still in the buffer when it returns\n"
        "    sys.stderr.write('said')\n"
        f"    return {code}\n"
        "end_after(command)\n")
    assert (done.returncode, done.stdout, done.stderr) == (code, "lines atexit", "said")


def test_without_end_after_what_was_handed_over_is_freed() -> None:
    done = _python(
        "import sys\n"
        "from almamatch.cli.ending import keep_to_the_end\n"
        "class Held:\n"
        "    def __del__(self): sys.stdout.write(' freed')\n"
        "def command():\n"
        "    held = Held()\n"
        "    keep_to_the_end(held)\n"
        "    sys.stdout.write('lines')\n"
        "    return 0\n"
        "sys.exit(command())\n")
    assert (done.returncode, done.stdout) == (0, "lines freed")


def test_another_thread_running_is_waited_for_as_the_interpreter_does() -> None:
    done = _python(
        "import sys, threading, time\n"
        "from almamatch.cli.ending import end_after\n"
        "def late(): time.sleep(0.2); sys.stdout.write(' thread')\n"
        "def command():\n"
        "    threading.Thread(target=late).start()\n"
        "    sys.stdout.write('lines')\n"
        "    return 2\n"
        "end_after(command)\n")
    assert (done.returncode, done.stdout) == (2, "lines thread")


def test_the_program_writes_what_main_writes(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["batch", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
            "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--now",
            "2026-03-05T10:30", "--json", "--workers", "1", "--strict"]
    code = main(argv)
    written = capsys.readouterr()
    done = _python("from almamatch.cli.main import console; console()", *argv)
    assert (done.returncode, done.stdout, done.stderr) == (code, written.out, written.err)
    assert code == 1  # --strict: the examples have refusals
    assert written.out.count("\n") == 11  # one line a record of the examples
