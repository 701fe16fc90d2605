"""The optional compiled part of almamatch: the modules in ``src/almamatch/_native/*.pyx``.

Everything else is in ``pyproject.toml``. Each module is built with Cython (a build requirement)
and a C compiler; a machine without a compiler still installs the package, which then runs its
pure-Python paths (the same answers, slower: ``almamatch._native`` says which is in use).
"""

from pathlib import Path

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # built without build isolation and without Cython: pure Python only
    EXTENSIONS: list[Extension] = []
else:
    EXTENSIONS = cythonize(
        [Extension(f"almamatch._native.{source.stem}", [source.as_posix()])
         for source in sorted(Path("src/almamatch/_native").glob("*.pyx"))],
        compiler_directives={"language_level": 3, "boundscheck": False, "wraparound": False},
        build_dir="build/cython",  # the generated C beside the build, not in the package
    )
    for extension in EXTENSIONS:  # cythonize makes new ones, without the flag
        extension.optional = True  # a failed compile leaves the pure-Python path, not no install

setup(ext_modules=EXTENSIONS)
