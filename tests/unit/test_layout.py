"""The package's layout: every module imports on its own, no import cycle, arrows one way.

Rooms follow the study's stages (``cebra_sae/__init__.py``); a module may import only from
its own room and the rooms before it, so the report reads results and no stage imports the
report, and the SAE core imports nothing of the study.
"""

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

import cebra_sae

PACKAGE = Path(cebra_sae.__file__).parent

#: The rooms in the order of the study; a module may import from its room and earlier ones.
ROOMS = [
    {"", "errors", "registry", "io", "config", "devices", "schema_docs"},  # "": __init__
    {"sae"},
    {"data"},
    {"measures"},
    {"protocols"},
    {"embedding", "pair_search"},
    {"sae_sweep"},
    {"posthoc"},
    {"claims"},
    {"tables"},
    {"report"},
    {"checks", "cli"},
]

#: What the SAE core may import of the package: the generic base, nothing of the study.
SAE_CORE_MAY_IMPORT = {"registry", "io"}


def modules(root: Path = PACKAGE) -> list[str]:
    """Every module of the package at ``root``, by dotted name, alphabetically."""
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def imports_of(module: str, root: Path = PACKAGE) -> set[str]:
    """The package modules ``module`` imports, at module level or inside functions (a cycle
    through function-level imports is still a cycle of the design)."""
    package = root.name
    relative = module.split(".")[1:]
    path = root.joinpath(*relative)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, ``level`` folders up
                here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                up = here[: len(here) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found |= {name for name in names if name.split(".")[0] == package}
    known = set(modules(root))
    return {name for name in found if name in known and name != module}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    return {module: imports_of(module, root) for module in modules(root)}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """An import cycle of ``graph`` (its modules in order), or None."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        return err.args[1]
    return None


def room(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for index, names in enumerate(ROOMS):
        if top in names:
            return index
    raise AssertionError(f"{module} is in no room of {ROOMS}: add it to tests/unit/test_layout.py")


def test_every_module_imports_in_a_fresh_interpreter_in_alphabetical_order():
    names = modules()
    assert len(names) > 30
    code = f"import importlib\nfor name in {names!r}:\n    importlib.import_module(name)\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]


FIRST = ["cebra_sae.sae.grid", "cebra_sae.sae.architectures", "cebra_sae.posthoc.evaluate",
         "cebra_sae.report.pages"]  # fmt: skip


@pytest.mark.parametrize("first", FIRST)
def test_a_module_imports_first_in_a_fresh_interpreter(first):
    """The old cycle (sae.architectures <-> sae.grid) hid behind the order of imports."""
    run = subprocess.run([sys.executable, "-c", f"import {first}"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_package_has_no_import_cycle():
    assert cycle(import_graph()) is None, cycle(import_graph())


def test_the_cycle_check_finds_a_cycle(tmp_path):
    """The check above can fail: on a package whose two modules import each other."""
    root = tmp_path / "toy"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "a.py").write_text("def f():\n    from toy.b import g\n")
    (root / "b.py").write_text("from toy import a\n")
    (root / "c.py").write_text("import toy.a\n")
    found = cycle(import_graph(root))
    assert found is not None and {"toy.a", "toy.b"} <= set(found)
    (root / "a.py").write_text("")
    assert cycle(import_graph(root)) is None
    (root / "a.py").write_text("from .b import g\n")  # a relative import is an edge too
    assert {"toy.a", "toy.b"} <= set(cycle(import_graph(root)) or ())


def test_imports_point_one_way_through_the_rooms():
    wrong = [
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if room(target) > room(module)
    ]
    assert wrong == [], "a room imports a later one:\n" + "\n".join(wrong)


def test_the_sae_core_imports_nothing_of_the_study():
    allowed = {f"cebra_sae.{name}" for name in SAE_CORE_MAY_IMPORT}
    for module, targets in import_graph().items():
        if module.startswith("cebra_sae.sae.") or module == "cebra_sae.sae":
            study = {t for t in targets if not t.startswith("cebra_sae.sae") and t not in allowed}
            assert not study, f"{module} imports {sorted(study)}"


def test_the_version_is_written_once(repo):
    from importlib.metadata import version

    assert version("cebra-sae") == cebra_sae.__version__
    assert "version =" not in (repo / "pyproject.toml").read_text().split("[project.scripts]")[0]


def test_no_module_of_the_package_is_ignored_by_git(repo):
    """A module git ignores is missing from every clone (``data/`` once hid src/cebra_sae/data/)."""
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout: nothing can be ignored")
    files = [str(p.relative_to(repo)) for p in PACKAGE.rglob("*.py") if repo in p.parents]
    if not files:
        pytest.skip(f"the package is installed from {PACKAGE}, not from this checkout")
    run = subprocess.run(["git", "check-ignore", "--no-index", *files], cwd=repo,
                         capture_output=True, text=True)  # fmt: skip
    assert run.stdout.strip() == "", f"git ignores these modules:\n{run.stdout}"


def _reads_the_config(source: str) -> list[int]:
    """Lines of a rule script that read ``snakemake.config`` (which Snakemake does not
    track: a setting read there never reruns the job when it changes)."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr == "config"
            and isinstance(node.value, ast.Name) and node.value.id == "snakemake"]  # fmt: skip


def test_no_rule_script_reads_the_config(repo):
    """Every setting a script uses comes through ``params`` or ``input``, which Snakemake
    tracks, so changing it reruns the job (docs/outputs.md, "What reruns when")."""
    scripts = sorted((repo / "scripts").glob("*.py"))
    assert len(scripts) > 10
    readers = {path.name: _reads_the_config(path.read_text()) for path in scripts}
    assert {name: lines for name, lines in readers.items() if lines} == {}
    # the check finds what it looks for
    assert _reads_the_config("spec = snakemake.config['rats'][rat]\n") == [1]
    assert _reads_the_config("x = snakemake.params.rat\n") == []
