"""Path converters shared by every app's URLs."""


class IdConverter:
    """A database id in a path: digits that fit a 64-bit integer column.

    Django's ``int`` converter accepts any number of digits, and a 30-digit
    id reaches the database, which refuses it with an error (a 500) instead
    of simply finding nothing. Longer numbers do not match: a plain 404.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
