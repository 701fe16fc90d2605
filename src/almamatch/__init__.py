"""almamatch: what Ex Libris Alma does with a record exported from OCLC Connexion.

This module only re-exports; see ``almamatch.core`` for the domain and ``almamatch.marc`` for
reading MARC files.
"""

from almamatch.core import *  # noqa: F403 (the core's __all__ is the public surface)
from almamatch.core import __all__ as _core_all

__all__ = list(_core_all)
