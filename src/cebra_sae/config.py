"""Readable validation of the study config against ``workflow/schemas/config.schema.yaml``.

Snakemake's own ``validate`` fills in defaults but reports only the first problem, with
the whole schema printed around it. :func:`config_errors` lists every problem, one line
each, naming the key by its dotted path.

Example:
    >>> schema = {"type": "object", "additionalProperties": False,
    ...           "properties": {"cebra": {"type": "object", "additionalProperties": False,
    ...               "properties": {"max_iterations": {"type": "integer", "minimum": 1}}}}}
    >>> for line in config_errors({"cebra": {"max_iterations": 0, "lrate": 1}}, schema):
    ...     print(line)
    cebra: unknown key 'lrate' (allowed: max_iterations)
    cebra.max_iterations: 0 is less than the minimum of 1
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml

#: The study's config schema: every key, its default and its meaning (the one place a
#: default is written; the library reads its defaults from here, see :func:`defaults`).
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def load_schema(path=SCHEMA_PATH) -> dict:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"The config schema {path} is missing: cebra_sae reads its defaults from the "
            "workflow's schema, so install the package from a clone of the repository "
            "(pip install -e .)."
        )
    return yaml.safe_load(path.read_text())


def _fill(schema: dict, value):
    """``value`` with the schema's defaults filled in (objects recursively)."""
    if value is None and "default" in schema:
        value = copy.deepcopy(schema["default"])
    if schema.get("type") == "object" and isinstance(value, dict):
        for key, sub in schema.get("properties", {}).items():
            filled = _fill(sub, value.get(key))
            if filled is not None:
                value[key] = filled
    return value


@functools.cache
def _defaults() -> dict:
    return _fill(load_schema(), {})


def defaults(*keys: str):
    """The schema's default of the config key ``keys`` (a copy; the whole tree without keys).

    Example:
        >>> defaults("cebra", "max_iterations"), defaults("split", "train_fraction")
        (2000, 0.8)
        >>> defaults("claims", "bootstrap_resamples")
        2000
    """
    value = _defaults()
    for key in keys:
        value = value[key]
    return copy.deepcopy(value)


def _where(error) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def _validator(schema: dict):
    """A JSON-schema validator whose ``integer`` is a whole number written as one.

    JSON Schema counts ``4.0`` as an integer; here it is not (``output_dimension: [4.0]``
    would otherwise name paths ``dim4.0``), and neither is ``true``.
    """
    import jsonschema

    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    return jsonschema.validators.extend(base, type_checker=checker)(schema)


def config_errors(config: dict, schema: dict | None = None) -> list[str]:
    """Every schema violation of ``config`` as ``'dotted.key: what is wrong'``.

    Example:
        >>> schema = {"type": "object", "properties": {"dims": {"type": "array",
        ...           "items": {"type": "integer"}}}}
        >>> config_errors({"dims": [4.0]}, schema)
        ["dims.0: 4.0 is not of type 'integer' (write whole numbers without a decimal point)"]
        >>> config_errors({"download": "false"})[-1]  # snakemake --config download=false
        "download: 'false' is not of type 'boolean' (with --config, write download=False)"
    """
    validator = _validator(load_schema() if schema is None else schema)
    lines = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(allowed)):
                hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
                lines.append(f"{_where(error)}: unknown key '{key}'{hint}")
        elif error.validator == "propertyNames":
            lines.append(f"{_where(error)}: bad name {error.message}")
        elif (error.validator == "type" and error.validator_value == "boolean"
              and str(error.instance).lower() in ("true", "false")):  # fmt: skip
            lines.append(
                f"{_where(error)}: {error.message} (with --config, write "
                f"{_where(error)}={str(error.instance).capitalize()})"
            )
        elif error.validator == "type" and error.validator_value == "integer":
            lines.append(
                f"{_where(error)}: {error.message} (write whole numbers without a decimal point)"
            )
        else:
            lines.append(f"{_where(error)}: {error.message}")
    return lines


def configfiles_in_force(given, replace_workflow_config: bool, workflow_configfiles) -> list:
    """The config files a Snakemake run reads, in merge order: the workflow's own
    (``configfile:``) then the ``--configfile`` ones, unless ``--replace-workflow-config``.

    Example:
        >>> configfiles_in_force(["mine.yaml"], False, ["config.yaml"])
        [PosixPath('config.yaml'), PosixPath('mine.yaml')]
        >>> configfiles_in_force(["mine.yaml"], True, ["config.yaml"])
        [PosixPath('mine.yaml')]
    """
    given = [_shown(f) for f in given]
    if replace_workflow_config and given:
        return given
    resolved = {f.resolve() for f in given}
    own = [_shown(f) for f in workflow_configfiles if Path(f).resolve() not in resolved]
    return own + given


def _shown(path) -> Path:
    """``path`` as a user names it: relative to the working directory when inside it
    (Snakemake hands ``--configfile`` on as an absolute path).

    Example:
        >>> _shown(Path.cwd() / "config" / "mine.yaml"), _shown("/elsewhere/mine.yaml")
        (PosixPath('config/mine.yaml'), PosixPath('/elsewhere/mine.yaml'))
    """
    path = Path(path)
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def format_errors(lines: list[str], configfiles=()) -> str:
    """One message for the user: where the config came from and every problem."""
    source = f" ({', '.join(map(str, configfiles))})" if configfiles else ""
    body = "\n".join(f"  - {line}" for line in lines)
    return (
        f"Invalid config{source}:\n{body}\n"
        "Fix the keys above; every key, its default and meaning: docs/configuration.md "
        "(check a config file alone with: cebra-sae check-config FILE)."
    )
