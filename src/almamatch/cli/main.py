"""The ``almamatch`` command: one subcommand per module in ``almamatch.cli``.

Each command's arguments, help and examples are in ``almamatch.cli.arguments.<command>``, whose
``register(subparsers)`` adds its parser and sets as ``func`` the command's ``run(args) -> int``
(it returns the exit code), imported from ``almamatch.cli.<command>`` only when it runs: a
start builds the parser of the command it names alone (every command's for ``--help``, no command
or a mistyped one) and imports the work of that command alone.

Exit codes, for every command: 0 ok; 1 the run found what the command looks for (a refused
record, a changed outcome, an error finding; each command's help says which); 2 usage error;
3 unreadable input file, bad profile or bad zone; 130 interrupted (Ctrl-C); 143 terminated
(SIGTERM). Bad input never shows a traceback: ``main`` turns an ``AlmamatchError`` or
``OSError`` into one line on stderr. ``main`` is the one place that sets how a command ends
when stopped (``cli.stopping``: SIGTERM ends it as Ctrl-C does, "terminated", exit 143) and
removes the temporary zones it made (``cli.temporary_zones``), however it ended.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import sys
from collections.abc import Sequence
from typing import Final, NoReturn

import almamatch
from almamatch.cli.arguments.options import exit_codes_epilog
from almamatch.cli.ending import end_after
from almamatch.cli.stopping import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    ending_on_sigterm,
    stop_raising,
)
from almamatch.cli.temporary_zones import remove_temporary_zones
from almamatch.core.errors import AlmamatchError

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "EXIT_USAGE", "build_parser", "console", "main"]

#: Command modules under ``almamatch.cli`` (and ``almamatch.cli.arguments``), in the order
#: ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "demo", "decide", "batch", "diff", "check_gateway", "zone", "rules", "serve", "send", "spec",
    "bench",
)

EXAMPLES: Final = """\
examples (each command's --help has more):
  almamatch demo
  almamatch batch examples/exports.mrc --zone examples/zone --now 2026-03-05T10:30
  almamatch decide examples/exports.mrc --index 6 --zone examples/zone --now 2026-03-05T10:30
  almamatch diff examples/exports.mrc --zone examples/zone --profile examples/profiles/carli.toml \\
      --profile examples/profiles/guards-off.toml
  almamatch check-gateway examples/gateway/good.toml
  almamatch zone build examples/zone/bibs.mrc --facts examples/zone/facts.csv -o my-zone
  almamatch rules check examples/rules/*.txt
  almamatch serve --zone my-zone --port 5500
  almamatch send examples/exports.mrc --port 5500 --logon 01CARLI_XYZ --password xyz-iz-password
  almamatch spec specs
  almamatch bench --bibs 1000000 --for 50000000

""" + exit_codes_epilog("failures found (see each command)")

EXIT_USAGE: Final = 2
EXIT_BAD_INPUT: Final = 3


class _Parser(argparse.ArgumentParser):
    """argparse, with a suggestion for a mistyped option or command (``did you mean``)."""

    def error(self, message: str) -> NoReturn:
        from difflib import get_close_matches  # noqa: PLC0415 (a usage error only)

        wrong = re.search(r"unrecognized arguments: (-\S+)", message)
        choice = re.search(r"invalid choice: '([^']*)'", message)
        known = _option_strings(self) if wrong else _choices(self)
        typed = wrong[1].split("=")[0] if wrong else choice[1] if choice else None
        close = get_close_matches(typed, known, n=1) if typed else []
        if close:
            message += f" (did you mean {close[0]}?)"
        super().error(message)


class _Version(argparse.Action):
    """``--version``: the installed version, read only when asked for (``almamatch.__version__``
    reads the distribution's metadata), and whether the compiled modules are in use."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:  # noqa: A002
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from almamatch import _native  # noqa: PLC0415 (only when asked for)

        built = _native.built()
        if not built:
            compiled = "pure Python: no compiled module was built"
        elif not _native.wanted():
            compiled = f"pure Python: {_native.PURE_VARIABLE} is set"
        else:
            compiled = "compiled: " + ", ".join(built)
        sys.stdout.write(f"almamatch {almamatch.__version__} ({compiled})\n")
        parser.exit()


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option of ``parser`` and of its subcommands, for a suggestion."""
    found: list[str] = []
    for action in parser._actions:  # argparse keeps no public list of them
        found.extend(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_option_strings(sub))
    return found


def _choices(parser: argparse.ArgumentParser) -> list[str]:
    return [str(choice) for action in parser._actions for choice in (action.choices or ())]


#: Each command's word on the command line and its module.
_MODULES: Final = {name.replace("_", "-"): name for name in COMMANDS}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``almamatch`` parser. Given the ``command`` the line names (its first word that is
    no option), only that command is added: the others' argument modules are not imported on
    its start, and it parses the same; any other word (none, a mistyped one) adds them all, for
    the list of ``--help`` and a suggestion."""
    parser = _Parser(
        prog="almamatch",
        description="What Ex Libris Alma does with a record exported from OCLC Connexion.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    one = _MODULES.get(command) if command is not None else None
    for name in COMMANDS if one is None else (one,):
        module = importlib.import_module(f"almamatch.cli.arguments.{name}")
        module.register(subparsers)
    return parser


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return " ".join(str(error).split()) or type(error).__name__


def _tolerant_streams() -> None:
    """Let stdout and stderr print any text in their own encoding.

    A lock user ``田中`` on a cp1252 console, or a ``--logon`` that was not UTF-8 (kept by
    Python as lone surrogates), cannot be encoded as it is: such characters print as ``\\u7530``
    or ``\\udcff`` escapes instead of raising. Inside a JSON string that escape reads back as
    the same character, so JSON output stays valid and exact.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


#: The settings OpenBLAS (numpy's bundled one included) reads its number of threads from.
_BLAS_THREADS: Final = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def _one_blas_thread() -> None:
    """Keep BLAS to one thread unless the user chose otherwise.

    Importing numpy starts OpenBLAS's worker threads, one a core, which cost CPU at every start
    (``python -c "import numpy"`` spends about twice its wall time in CPU on two cores) and poll
    while the process runs; almamatch never multiplies matrices (numpy sorts and searches its
    key columns), so it never needs them. Set before numpy is first imported (nothing imported
    so far imports it), so it holds for this process and for the workers it starts.
    """
    if not any(name in os.environ for name in _BLAS_THREADS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def main(argv: Sequence[str] | None = None) -> int:
    _one_blas_thread()
    _tolerant_streams()
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(next((word for word in words if not word.startswith("-")), None))
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits 2 on a usage error and 0 after --help
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    with ending_on_sigterm():
        try:
            return _run(args)
        except Terminated:
            sys.stderr.write(f"almamatch {args.command}: terminated\n")
            return EXIT_TERMINATED
        finally:
            stop_raising()  # the command has ended: its clean-up is not to be cut short
            remove_temporary_zones()


def console() -> NoReturn:
    """The ``almamatch`` program: ``main`` on the command line, then the process ends with its
    exit code without freeing what the command held to its end (``cli.ending``)."""
    end_after(main)


def _run(args: argparse.Namespace) -> int:
    """The command's exit code; bad input and an interrupt as one line on stderr."""
    try:
        code: int = args.func(args)
    except BrokenPipeError:
        # The reader stopped early (``| head``): say nothing more, as Python's documentation on
        # SIGPIPE advises, and keep the interpreter from failing to flush at exit.
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (AlmamatchError, OSError) as error:
        sys.stderr.write(f"almamatch {args.command}: error: {_one_line(error)}\n")
        return EXIT_BAD_INPUT
    except Terminated:
        raise  # main says so (a SIGTERM in the handlers above is one too)
    except KeyboardInterrupt:
        sys.stderr.write(f"almamatch {args.command}: interrupted\n")
        return EXIT_INTERRUPTED
    return code
