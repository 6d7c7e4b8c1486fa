"""Text for the report's pages and the README: escaping for reStructuredText and Markdown."""

from __future__ import annotations


def rst_literal(text: str) -> str:
    r"""``text`` with the characters reStructuredText would read as markup escaped.

    Example:
        >>> rst_literal("|cosine| of *two* seeds")
        '\\|cosine\\| of \\*two\\* seeds'
    """
    for char in ("\\", "|", "*", "`", "_"):
        text = text.replace(char, "\\" + char)
    return text


def markdown_row(cells) -> str:
    """One Markdown table row, ``|`` inside a cell escaped (``mean |r|`` stays one cell).

    Example:
        >>> markdown_row(["a", "mean |r|"])
        '| a | mean \\\\|r\\\\| |'
    """
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
