"""Small SQL text helpers."""


def ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a table or column name must be a non-empty string, got {name!r}")
    if "\x00" in name:
        raise ValueError(f"a name cannot contain NUL: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
