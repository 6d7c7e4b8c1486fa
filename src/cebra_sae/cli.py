"""The ``cebra-sae`` command: small command-line helpers around the workflow.

``cebra-sae check-config FILE [FILE ...]`` reads config files as ``snakemake --configfile``
would, and says what is wrong with them: a YAML syntax error with its file, line and
column (Snakemake only says "Config file is not valid JSON or YAML"), then every schema
problem, one line each, naming the key. Files are merged in order onto ``config.yaml`` of
the current folder, as Snakemake does, unless ``--replace-workflow-config`` is given.

``cebra-sae --help`` prints the plain-text :data:`DESCRIPTION`, :data:`CHECK_CONFIG_DESCRIPTION`
and :data:`CHECK_CONFIG_EPILOG`, not this docstring: it is reST for the API docs, and a
terminal would show its markup verbatim.

Example:
    >>> import os, tempfile
    >>> here = os.getcwd()
    >>> os.chdir(tempfile.mkdtemp())
    >>> _ = open("bad.yaml", "w").write("rats:\\n  sim: {source: synthetic\\n")
    >>> main(["check-config", "bad.yaml"])  # doctest: +ELLIPSIS
    bad.yaml:3:1: not valid YAML: expected ',' or '}', but got '<stream end>' (parsing...)
    1
    >>> os.chdir(here)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from cebra_sae.config import config_errors, configfiles_in_force, format_errors

# What --help prints: plain text, lines under 80 characters (printed as written).
DESCRIPTION = """\
Small command-line helpers around the cebra-sae Snakemake workflow.

Run "cebra-sae COMMAND --help" for what a command does and its options."""

CHECK_CONFIG_DESCRIPTION = """\
Check config files before a run: read them as "snakemake --configfile FILE"
would, and say what is wrong with them. A YAML syntax error is reported with
its file, line and column (Snakemake itself only says "Config file is not
valid JSON or YAML"); then every problem against the study's config schema is
listed, one line each, naming the key.

The files are merged in the order given onto config.yaml of the current folder
(the workflow's own config), as Snakemake does, unless
--replace-workflow-config is given."""

CHECK_CONFIG_EPILOG = """\
examples:
  cebra-sae check-config my_rats.yaml
  cebra-sae check-config base.yaml overrides.yaml
  cebra-sae check-config --replace-workflow-config full_config.yaml

exit status: 0 when the config is valid, 1 when it is not (each problem is
printed)."""


class ConfigFileError(Exception):
    """A config file that cannot be read as YAML (the message names file, line, column)."""


def read_config_file(path) -> dict:
    """One config file as a dict; :class:`ConfigFileError` naming file, line and column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigFileError(f"{path}: cannot be read ({err.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        detail = getattr(err, "problem", None) or str(err)
        context, start = getattr(err, "context", None), getattr(err, "context_mark", None)
        if context and start:
            detail += f" ({context.removeprefix('while ')} from line {start.line + 1})"
        raise ConfigFileError(f"{where}: not valid YAML: {detail}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError(
            f"{path}: a config file holds keys at top level, not a {type(data).__name__}"
        )
    return data


def _merge(base: dict, update: dict) -> dict:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def check_config(paths, replace_workflow_config: bool = False) -> list[str]:
    """Problems of the config made of ``paths`` (empty when it is valid)."""
    own = [path for path in (Path("config.yaml"),) if path.exists()]  # the Snakefile's configfile
    files = configfiles_in_force(paths, replace_workflow_config, own)
    config: dict = {}
    for path in files:
        _merge(config, read_config_file(path))
    errors = config_errors(config)
    return [format_errors(errors, files)] if errors else []


#: The generated pages of docs/ and what writes each (``cebra-sae docs`` writes them all).
GENERATED_DOCS = {
    "docs/configuration.md": ("cebra_sae.schema_docs", "configuration_markdown"),
    "docs/tables.md": ("cebra_sae.tables", "tables_markdown"),
}

DOCS_DESCRIPTION = """\
Write the generated pages of docs/ (configuration.md from the config schema,
tables.md from the table schemas) in the repository ROOT, or with --check say
which are out of date (exit status 1) without writing."""


def generated_docs(root, check: bool = False) -> list[str]:
    """Write (or, with ``check``, compare) every page of :data:`GENERATED_DOCS` under
    ``root``; returns the pages that were out of date."""
    import importlib

    stale = []
    for page, (module, function) in GENERATED_DOCS.items():
        text = getattr(importlib.import_module(module), function)()
        path = Path(root) / page
        if not path.exists() or path.read_text() != text:
            stale.append(page)
            if not check:
                path.write_text(text)
    return stale


FINDINGS_DESCRIPTION = """\
Print what a finished run found, as Markdown: the findings the report's first
screen shows, read from the run's tables (claims, posthoc, stability). The
README's list is this command's output for the measured rigorous run."""

FINDINGS_EPILOG = """\
example:
  cebra-sae findings results/tables --run "config/rigorous.yaml, 2026-12-02"

exit status: 0, or 1 when a table is missing (run the study first)."""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="cebra-sae",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", dest="command", required=True)
    check = commands.add_parser(
        "check-config",
        help="check config files (YAML syntax and the study's schema)",
        description=CHECK_CONFIG_DESCRIPTION,
        epilog=CHECK_CONFIG_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("files", nargs="+", help="config files, as given to --configfile")
    check.add_argument(
        "--replace-workflow-config",
        action="store_true",
        help="do not merge onto ./config.yaml (as snakemake --replace-workflow-config does)",
    )
    findings = commands.add_parser(
        "findings",
        help="print what a finished run found (Markdown)",
        description=FINDINGS_DESCRIPTION,
        epilog=FINDINGS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    findings.add_argument("tables", help="the run's tables folder (results/tables)")
    findings.add_argument("--run", default="", help="the run's config and date, for the label")
    docs = commands.add_parser(
        "docs",
        help="write the generated pages of docs/ (configuration.md, tables.md)",
        description=DOCS_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    docs.add_argument("root", nargs="?", default=".", help="the repository (default: .)")
    docs.add_argument("--check", action="store_true", help="only say what is out of date")
    args = parser.parse_args(argv)
    if args.command == "docs":
        stale = generated_docs(args.root, args.check)
        verb = "out of date (run: cebra-sae docs)" if args.check else "written"
        for page in stale:
            print(f"{page}: {verb}")
        return 1 if stale and args.check else 0
    if args.command == "findings":
        from cebra_sae.report.findings import findings_markdown

        try:
            print(findings_markdown(args.tables, args.run or args.tables), end="")
        except FileNotFoundError as err:
            print(err)
            return 1
        return 0
    try:
        problems = check_config(args.files, args.replace_workflow_config)
    except ConfigFileError as err:
        print(err)
        return 1
    for problem in problems:
        print(problem)
    if not problems:
        print(f"OK: {', '.join(args.files)} valid against the study's config schema")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
