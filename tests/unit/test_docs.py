"""The repository's own documentation: generated pages are current, citations stay inside.

A user's clone holds only the repository, so the code and docs cite its own specification
(``docs/study.md``) and nothing outside it.
"""

from cebra_sae.config import defaults, load_schema
from cebra_sae.schema_docs import NAME, configuration_markdown, schema_keys

REGENERATE = "cebra-sae docs"

#: Where the repository's text lives (folders and single files, relative to its root).
SEARCHED = ("src", "workflow", "scripts", "tests", "config", "README.md", "docs")

#: Folders and suffixes that hold no text of the repository's own.
SKIPPED_PARTS = ("__pycache__", ".egg-info")
SKIPPED_SUFFIXES = (".pyc", ".png", ".npz", ".parquet", ".pt", ".jl")

#: Citations of what a clone does not have (written in two pieces so that this file does
#: not cite them itself): the project's external specification file, and the folder it
#: lives in.
OUTSIDE = ("STUDY" + ".md", "shared" + " folder")


def _dotted(tree: dict, prefix: str = "") -> list[str]:
    """Every key path of a nested dict of defaults, ``cebra.final.learning_rate`` style."""
    paths = []
    for key, value in tree.items():
        paths.append(f"{prefix}{key}")
        if isinstance(value, dict):
            paths += _dotted(value, f"{prefix}{key}.")
    return paths


def test_one_command_writes_every_generated_page(repo, tmp_path):
    """``cebra-sae docs`` writes every generated page; ``--check`` finds a stale one."""
    from cebra_sae.cli import GENERATED_DOCS, generated_docs, main

    assert main(["docs", str(repo), "--check"]) == 0  # the repository's pages are current
    (tmp_path / "docs").mkdir()
    assert sorted(generated_docs(tmp_path)) == sorted(GENERATED_DOCS)  # all written
    assert generated_docs(tmp_path, check=True) == []
    (tmp_path / "docs" / "tables.md").write_text("stale\n")
    assert main(["docs", str(tmp_path), "--check"]) == 1
    assert (tmp_path / "docs" / "tables.md").read_text() == "stale\n"  # --check writes nothing


def test_docs_configuration_is_generated_from_the_schema(repo):
    """docs/configuration.md documents every config key, as the schema declares it."""
    page = repo / "docs" / "configuration.md"
    assert page.exists(), f"docs/configuration.md is missing: {REGENERATE}"
    assert page.read_text() == configuration_markdown(), (
        f"docs/configuration.md is out of date: {REGENERATE}"
    )


def test_every_config_key_with_a_default_has_a_row():
    """The generator walks the whole schema: every default the library reads is listed,
    and so is every key of a rat."""
    listed = {key.path for key in schema_keys(load_schema())}
    missing = [path for path in _dotted(defaults()) if path not in listed]
    assert missing == [], f"keys with a default but no row: {missing}"
    rat = load_schema()["properties"]["rats"]["additionalProperties"]["properties"]
    assert {f"rats.{NAME}.{key}" for key in rat} <= listed


def _text_files(repo):
    for name in SEARCHED:
        root = repo / name
        paths = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in paths:
            if not path.is_file() or path.suffix in SKIPPED_SUFFIXES:
                continue
            if any(part in str(path.relative_to(repo)) for part in SKIPPED_PARTS):
                continue
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:  # a binary file: no citation to find
                continue


def test_nothing_cites_what_a_clone_does_not_have(repo):
    """Code, workflow, tests, configs and docs cite docs/study.md, never the project's
    external specification or the folder it lives in."""
    found = []
    for path, text in _text_files(repo):
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE[0] in line or OUTSIDE[1] in line.lower():
                found.append(f"{path.relative_to(repo)}:{number}: {line.strip()[:100]}")
    assert found == [], (
        f"{len(found)} lines cite what a clone does not have (cite docs/study.md §N "
        "instead):\n" + "\n".join(found[:50])
    )


def test_citation_names_the_packages_version(repo):
    """CITATION.cff repeats the version (CFF needs it there): it must be the package's."""
    import yaml

    import cebra_sae

    citation = yaml.safe_load((repo / "CITATION.cff").read_text())
    assert citation["version"] == cebra_sae.__version__, "update CITATION.cff's version"
