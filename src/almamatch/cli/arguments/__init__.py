"""almamatch.cli.arguments: each command's arguments, help and examples, one module per command.

Light to import (``options`` says why): each module's ``register(subparsers)`` adds the
command's parser, whose ``func`` imports the command's work when it runs.
"""
