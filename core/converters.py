"""Path converters shared by every app's URLs."""


class IdConverter:
    """A database id in a path: digits that fit a 64-bit integer column.

    Django's ``int`` converter accepts any number of digits, and a 30-digit
    id reaches the database, which refuses it with an error (a 500) instead
    of simply finding nothing. Longer numbers, and 0 (ids start at 1, as
    the schema says), do not match: a plain 404.
    """

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class YearConverter:
    """A year in a path: four digits."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{value:04d}"
