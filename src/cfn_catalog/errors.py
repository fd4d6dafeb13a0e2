"""Errors a user can cause and fix. The CLI prints them as one line, no traceback."""


class CatalogError(Exception):
    """A problem the user can fix; `exit_code` is what the CLI exits with."""

    exit_code = 1


class UsageError(CatalogError):
    exit_code = 2


class UnknownTemplate(UsageError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown template {name!r}{hint} (see 'cfn-catalog list')")


class OutputError(CatalogError):
    """A file could not be written; existing files are untouched."""
