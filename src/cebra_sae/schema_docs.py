"""``docs/configuration.md``: every key of the config schema, generated from the schema.

The config schema (:data:`cebra_sae.config.SCHEMA_PATH`) is the one place where a key, its
type, its default and its meaning are written. This module turns it into a reference page,
one row per key, named by its dotted path (``cebra.final.learning_rate``); a key under a
mapping of user-chosen names (a rat under ``rats``) is written ``rats.<name>.source``. A
test keeps ``docs/configuration.md`` equal to :func:`configuration_markdown`; regenerate it
with ``python -m cebra_sae.schema_docs > docs/configuration.md``.

Example:
    >>> schema = {"type": "object", "properties": {
    ...     "cebra": {"type": "object", "description": "CEBRA sweep.", "default": {},
    ...               "properties": {
    ...                   "max_iterations": {"type": "integer", "minimum": 1, "default": 2000},
    ...                   "learning_rate": {"type": "array", "default": [0.001, 1.0e-6],
    ...                                     "items": {"type": "number"}}}}}}
    >>> for key in schema_keys(schema):
    ...     print(key.path, "/", key.type, "/", key.default, "/", key.allowed)
    cebra / object / its keys' defaults / -
    cebra.max_iterations / integer / `2000` / >= 1
    cebra.learning_rate / list of number / `[0.001, 1.0e-06]` / -
    >>> print(keys_table(schema_keys(schema)[1:2]))
    | key | type | default | allowed | meaning |
    |---|---|---|---|---|
    | `cebra.max_iterations` | integer | `2000` | >= 1 | - |
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cebra_sae.config import SCHEMA_PATH, load_schema

#: How the schema's bounds read in the table.
BOUNDS = {
    "minimum": ">= {}",
    "exclusiveMinimum": "> {}",
    "maximum": "<= {}",
    "exclusiveMaximum": "< {}",
}

#: Written where a cell has nothing to say.
NOTHING = "-"

#: The placeholder of a user-chosen name in a dotted path (a rat under ``rats``).
NAME = "<name>"


@dataclass(frozen=True)
class Key:
    """One key of the schema, as a row of the reference page.

    Attributes:
        path: the dotted path, e.g. ``cebra.final.learning_rate``.
        type: the JSON-schema type in words (``list of integer``, ``object``, ...).
        default: the default as it would be written in YAML, or what stands in for it.
        allowed: the values the schema accepts beyond its type (bounds, enums, required).
        description: the schema's description, on one line.
    """

    path: str
    type: str
    default: str
    allowed: str
    description: str


def yaml_value(value) -> str:
    """``value`` written inline as YAML reads it back (floats keep a dot: ``1.0e-06``).

    Example:
        >>> yaml_value([1e-06, 10.0, True, "paper"]), yaml_value({"a": 1})
        ('[1.0e-06, 10.0, true, paper]', '{a: 1}')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in value.items()) + "}"
    text = repr(value)
    if isinstance(value, float) and "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"  # PyYAML reads 1e-06 as a string, 1.0e-06 as a float
    return text


def type_name(node: dict) -> str:
    """The type of a schema node in words."""
    kind = node.get("type", NOTHING)
    if kind == "array":
        return f"list of {type_name(node.get('items', {}))}"
    if kind == "object" and "properties" not in node:
        if isinstance(node.get("additionalProperties"), dict):
            return "mapping: name -> object"
    return kind


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def allowed(node: dict, required: bool = False, required_when: str = "") -> str:
    """The constraints of a schema node beyond its type, in words (``-`` without any).

    Args:
        node: a schema node.
        required: its parent requires it.
        required_when: the condition under which its parent requires it, if any.

    Example:
        >>> allowed({"type": "array", "minItems": 1, "uniqueItems": True,
        ...          "items": {"type": "string", "enum": ["paper", "seed_code"]}})
        'each one of `paper`, `seed_code`; at least 1 item; no repeats'
        >>> allowed({"type": "number", "exclusiveMinimum": 0, "maximum": 1}, required=True)
        'required; > 0; <= 1'
    """
    parts = ["required"] if required else []
    if required_when:
        parts.append(f"required when {required_when}")
    items = node.get("items", {}) if node.get("type") == "array" else {}
    for source, prefix in ((node, ""), (items, "each ")):
        if "enum" in source:
            parts.append(prefix + "one of " + ", ".join(f"`{v}`" for v in source["enum"]))
        if "const" in source:
            parts.append(f"{prefix}`{yaml_value(source['const'])}`")
        for bound, text in BOUNDS.items():
            if bound in source:
                parts.append(prefix + text.format(yaml_value(source[bound])))
        if "pattern" in source:
            parts.append(f"{prefix}matches `{source['pattern']}`")
    if "minItems" in node:
        parts.append("at least " + _plural(node["minItems"], "item"))
    if "maxItems" in node:
        parts.append("at most " + _plural(node["maxItems"], "item"))
    if node.get("uniqueItems"):
        parts.append("no repeats")
    if "minProperties" in node:
        parts.append("at least " + _plural(node["minProperties"], "entry"))
    names = node.get("propertyNames", {})
    if "pattern" in names:
        parts.append(f"names match `{names['pattern']}`")
    return "; ".join(parts) if parts else NOTHING


def _default(node: dict, required: bool) -> str:
    if "default" in node:
        value = node["default"]
        if value == {} and node.get("type") == "object":
            return "its keys' defaults"
        return f"`{yaml_value(value)}`"
    return "required" if required else NOTHING


def _one_line(text: str | None, cell: bool = True) -> str:
    """``text`` on one line; in a table ``cell``, its ``|`` escaped."""
    line = " ".join(str(text or "").split())
    return (line.replace("|", "\\|") if cell else line) or NOTHING


def _conditions(node: dict):
    """``allOf`` entries of the form *if key is const then ...*: ``(condition, then)``."""
    for rule in node.get("allOf", []):
        condition = rule.get("if", {}).get("properties", {})
        if len(condition) == 1:
            ((name, test),) = condition.items()
            if "const" in test:
                yield f"`{name}: {yaml_value(test['const'])}`", rule.get("then", {})


def _required_when(node: dict) -> dict[str, str]:
    """Keys required under a condition: key -> its conditions (``a`` or ``b``)."""
    found: dict[str, list[str]] = {}
    for condition, then in _conditions(node):
        for key in then.get("required", []):
            found.setdefault(key, []).append(condition)
    return {key: " or ".join(conditions) for key, conditions in found.items()}


def _defaults_when(node: dict) -> dict[str, str]:
    """Defaults set under a condition (e.g. a ``source: nwb`` rat's): key -> ``value (with
    condition)``."""
    found = {}
    for condition, then in _conditions(node):
        for key, sub in then.get("properties", {}).items():
            if "default" in sub:
                found[key] = f"`{yaml_value(sub['default'])}` (with {condition})"
    return found


def schema_keys(schema: dict, prefix: str = "") -> list[Key]:
    """Every key below ``schema`` (an object node), depth first in the schema's order.

    An object is listed before its keys; the entries of a mapping of user-chosen names
    (``additionalProperties`` with a schema) are listed once, under ``<name>``.

    Args:
        schema: a JSON-schema object node (the whole config schema, or one of its objects).
        prefix: the dotted path of ``schema`` itself, with a trailing dot (``"cebra."``).

    Returns:
        One :class:`Key` per key, objects included.
    """
    keys = []
    required = set(schema.get("required", []))
    when = _required_when(schema)
    defaults_when = _defaults_when(schema)
    children = list(schema.get("properties", {}).items())
    if isinstance(schema.get("additionalProperties"), dict):
        children.append((NAME, schema["additionalProperties"]))
    for name, node in children:
        path = f"{prefix}{name}"
        description = node.get("description")
        if name == NAME and not description:
            description = "one entry per name (see the keys below)"
        keys.append(
            Key(
                path=path,
                type=type_name(node),
                default=defaults_when.get(name) or _default(node, name in required),
                allowed=allowed(node, name in required, when.get(name, "")),
                description=_one_line(description),
            )
        )
        if node.get("type") == "object":
            keys += schema_keys(node, prefix=f"{path}.")
    return keys


def keys_table(keys: list[Key]) -> str:
    """A Markdown table of ``keys`` (key, type, default, allowed, meaning)."""
    lines = ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    lines += [
        f"| `{k.path}` | {k.type} | {k.default} | {k.allowed} | {k.description} |" for k in keys
    ]
    return "\n".join(lines)


def _relative(path: Path) -> str:
    """The schema's path inside the repository (``workflow/schemas/...``)."""
    path = Path(path).resolve()
    return str(path.relative_to(path.parents[2])) if len(path.parents) > 2 else str(path)


def configuration_markdown(schema: dict | None = None, path=SCHEMA_PATH) -> str:
    """``docs/configuration.md``: top-level keys first, then one section per top-level object.

    Args:
        schema: the config schema (default: the study's, read from ``path``).
        path: where the schema is; named in the page.

    Returns:
        The page's Markdown, ending with a newline.
    """
    schema = load_schema(path) if schema is None else schema
    where = _relative(path)
    parts = [
        "# Configuration",
        "",
        f"Every key of the study's configuration, generated from `{where}` (do not edit by "
        "hand: `python -m cebra_sae.schema_docs > docs/configuration.md`; a test keeps this "
        "file current). The schema is the one place a key's default is written: the workflow "
        "fills every key a config leaves out from it, and the library reads its defaults "
        "from it too (`cebra_sae.config.defaults`).",
        "",
        "`config.yaml` names the rats and the protocol; a `--configfile` is merged into it "
        "(with `--replace-workflow-config` it replaces it) and `--config key=value` sets "
        "single keys. A key is named here by its dotted path: `cebra.final.learning_rate` is "
        "`learning_rate` under `final` under `cebra`. Unknown keys and values outside "
        "`allowed` stop the run before any job, naming the key; `cebra-sae check-config "
        "my.yaml` runs the same check and also names the line and column of a YAML syntax "
        "error.",
    ]
    properties = schema.get("properties", {})
    sections = {name: node for name, node in properties.items() if node.get("type") == "object"}
    top = [k for k in schema_keys(schema) if "." not in k.path and k.path not in sections]
    if top:
        parts += ["", "## Top level", "", keys_table(top)]
    for name, node in sections.items():
        parts += ["", f"## `{name}`", ""]
        if node.get("description"):
            parts += [_one_line(node["description"], cell=False), ""]
        below = schema_keys(node, prefix=f"{name}.")
        own = Key(name, type_name(node), _default(node, name in schema.get("required", [])),
                  allowed(node, name in schema.get("required", [])), NOTHING)  # fmt: skip
        parts.append(keys_table([own, *below]))
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(configuration_markdown(), end="")
