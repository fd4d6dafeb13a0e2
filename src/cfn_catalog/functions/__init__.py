"""Source of the Lambda handlers, Glue scripts, resolvers and jobs the templates ship.

Each module here is real code with its own tests; templates embed small
handlers inline and publish the rest as assets.
"""

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent


def read(name: str) -> str:
    """The text of a file in this package, e.g. `read("helloworld.py")`.

    (Plain file access: importlib.resources would cost every render ~20 ms of imports.)
    """
    return (DIRECTORY / name).read_text(encoding="utf-8")
