"""Validation calls, parameter spaces, path templates and input functions of every stage.

The checks themselves are library functions (cebra_sae.config, cebra_sae.checks), unit-tested
without Snakemake; every path is a template written once below and used by name.
"""

import os
import sys
from itertools import product

from snakemake.logging import logger
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import validate

from cebra_sae.checks import check_devices, check_study
from cebra_sae.config import SCHEMA_PATH, config_errors, configfiles_in_force, format_errors
from cebra_sae.data.sources import SOURCES, cebra_recording_path, rats_to_fetch, simulated_rats
from cebra_sae.devices import gpu_count
from cebra_sae.embedding import cebra_params, is_final
from cebra_sae.errors import StudyError
from cebra_sae.protocols import PROTOCOLS as PROTOCOL_REGISTRY
from cebra_sae.report import categories
from cebra_sae.report.figures import FIGURES
from cebra_sae.report.html import REPORT_TABLES
from cebra_sae.report.pages import PAGES
from cebra_sae.sae.architectures import selectable_architectures
from cebra_sae.sae.spec import path_text
from cebra_sae.posthoc.representations import has_shuffled_null, has_xcebra
from cebra_sae.sae_sweep import (
    L1_ARCH,
    block_grid_lists,
    block_selection,
    is_selected_block,
    l1_twin_lists,
    train_settings,
)
from cebra_sae.tables import SCHEMAS


def stop(message):
    """End the run before anything is done: the message alone, no traceback, exit status 1."""
    print(message, file=sys.stderr)
    raise SystemExit(1)


# ---- validation (before any job) ------------------------------------------

_settings = workflow.config_settings
CONFIGFILES = configfiles_in_force(
    _settings.configfiles, _settings.replace_workflow_config, workflow.configfiles
)
_errors = config_errors(config)
if _errors:
    stop(format_errors(_errors, CONFIGFILES))
validate(config, schema=str(SCHEMA_PATH))  # fills in the schema's defaults
try:
    _conda = DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method
    for _note in check_study(config, deep=workflow.is_main_process, conda=_conda):
        if workflow.is_main_process:
            logger.warning(_note)
except StudyError as err:
    stop(f"Config error: {err}")


onstart:
    # cuda without a GPU, on a local run (on a cluster the node decides; the job says so)
    try:
        if workflow.local_exec:
            check_devices(config)
    except StudyError as err:
        stop(f"Config error: {err}")


# ---- parameter spaces -----------------------------------------------------

DATA_DIR = config["data_dir"]
RATS = config["rats"]
PROTOCOLS = config["protocols"]
CEBRA = config["cebra"]
SAE = config["sae"]
POSTHOC = config["posthoc"]
SELECTION = POSTHOC["selection"]
DIMS = CEBRA["output_dimension"]
SEEDS = CEBRA["seeds"]
FIRST_SEED = SEEDS[0]
FINAL = CEBRA["final"]
# CEBRA fits: the embedding, the shuffled-spikes null, xCEBRA (Jacobian-regularised)
FIT, SHUFFLED_FIT, XCEBRA_FIT = "cebra", "shuffled_cebra", "xcebra"


def name_regex(names):
    """A wildcard constraint matching exactly ``names`` (never matches if empty)."""
    return "|".join(sorted(names)) if names else "(?!x)x"


SIMULATED = simulated_rats(RATS)  # made by their own rule; the others prepared from a file


def cebra_fits():
    """Wildcards of every CEBRA fit of the sweep."""
    return [dict(protocol=p, rat=r, dim=d, hidden=h, lr=path_text(lr), seed=s)
            for p, r, d, h, lr, s in product(PROTOCOLS, RATS, DIMS, CEBRA["num_hidden_units"],
                                             CEBRA["learning_rate"], SEEDS)]  # fmt: skip


def sae_blocks():
    """Wildcards of every SAE block: the paper's grid on the first seed's embedding, only
    the selected SAEs' block on every other seed's (post-hoc replicates)."""
    return [dict(protocol=p, rat=r, dim=d, seed=s, arch=a, expansion=e)
            for p, r, d, s, a, e in product(PROTOCOLS, RATS, DIMS, SEEDS, SAE["architectures"],
                                            SAE["expansion"])
            if s == FIRST_SEED or is_selected_block(SELECTION, a, e)]  # fmt: skip


def posthoc_cases(seeds=SEEDS):
    return [dict(protocol=p, rat=r, dim=d, seed=s)
            for p, r, d, s in product(PROTOCOLS, RATS, DIMS, seeds)]  # fmt: skip


wildcard_constraints:
    protocol=name_regex(PROTOCOL_REGISTRY),
    rat=name_regex(RATS),
    fit=name_regex([FIT, SHUFFLED_FIT, XCEBRA_FIT]),
    dim=r"\d+",
    hidden=r"\d+",
    seed=r"\d+",
    lr=r"[0-9.e+-]+",
    arch=name_regex(selectable_architectures()),
    expansion=r"\d+",


# ---- path templates (each written once) -----------------------------------

RESULTS = "results"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"
RECORDING = f"{RESULTS}/data/{{rat}}.npz"
RECORDING_SUMMARY = f"{RESULTS}/data/{{rat}}.summary.parquet"
FACTORS = f"{RESULTS}/data/{{rat}}.factors.npz"
CEBRA_MODEL = "{protocol}/{rat}/dim{dim}-hidden{hidden}-lr{lr}-seed{seed}"
CEBRA_FIT = f"{RESULTS}/{{fit}}/{CEBRA_MODEL}"
CEBRA_FILES = {name: f"{CEBRA_FIT}/{file}" for name, file in (
    ("model", "model.pt"), ("embedding", "embedding.npz"), ("loss", "loss.parquet"),
    ("info", "info.json"), ("decoding", "decoding.parquet"))}  # fmt: skip
CASE = "{protocol}/{rat}/dim{dim}/seed{seed}"
SAE_BLOCK = f"{CASE}/{{arch}}-x{{expansion}}"
SAE_FILES = {name: f"{RESULTS}/sae/{SAE_BLOCK}/{name}.{ext}"
             for name, ext in (("checkpoint", "npz"), ("metrics", "parquet"))}  # fmt: skip
POSTHOC_FILES = {name: f"{RESULTS}/posthoc/{CASE}/{file}" for name, file in (
    ("scores", "scores.parquet"), ("latents", "latents.npz"),
    ("latent_table", "latents.parquet"), ("curves", "tuning_curves.parquet"))}  # fmt: skip
REPORT_PAGE = f"{RESULTS}/report/{{name}}.html"
EXPLORER = f"{RESULTS}/report/explorer/{{protocol}}/{{rat}}-dim{{dim}}.html"
LANDING = f"{RESULTS}/report/landing.rst"
DESCRIPTION = "workflow/report/workflow.rst"


def table(name):
    """A table of the study (its path from its schema, cebra_sae.tables.SCHEMAS)."""
    return f"{RESULTS}/{SCHEMAS[name].location}"


def figure_path(figure):
    return f"{RESULTS}/figures/{figure.output}"


def log(rule, pattern=""):
    return f"{LOGS}/{rule}/{pattern}.log" if pattern else f"{LOGS}/{rule}.log"


def benchmark(rule, pattern=""):
    return f"{BENCHMARKS}/{rule}/{pattern}.tsv" if pattern else f"{BENCHMARKS}/{rule}.tsv"


def grows(mb):
    """A job's memory: ``mb``, times the attempt (a job retried after running out of memory
    asks for more; profiles/slurm retries once)."""
    return lambda wildcards, attempt: mb * attempt


# ---- input functions ------------------------------------------------------


def recording_input(wildcards):
    """The raw file a rat's prepare job reads (nothing for a simulated rat)."""
    spec = RATS[wildcards.rat]
    path = SOURCES[spec["source"]].input_file(wildcards.rat, spec, DATA_DIR)
    return path or []


def final_file(name, protocol, rat, dim, seed, fit=FIT):
    """File ``name`` (of CEBRA_FILES) of a final CEBRA fit (``cebra.final`` hidden and lr)."""
    return CEBRA_FILES[name].format(fit=fit, protocol=protocol, rat=rat, dim=dim,
                                    hidden=FINAL["num_hidden_units"],
                                    lr=path_text(FINAL["learning_rate"]), seed=seed)  # fmt: skip


def final_cebra(name):
    """Input function: file ``name`` of a case's final CEBRA fit."""
    return lambda w: final_file(name, w.protocol, w.rat, w.dim, w.seed)


def selected_file(name, protocol, rat, dim, seed):
    """File ``name`` (of SAE_FILES) of the block holding a case's selected SAEs."""
    return SAE_FILES[name].format(protocol=protocol, rat=rat, dim=dim, seed=seed,
                                  arch=SELECTION["arch"], expansion=SELECTION["expansion"])  # fmt: skip


def l1_twin_cases():
    """The cases whose standard block holds L1 twins (posthoc.l1_stability)."""
    return [c for c in posthoc_cases([FIRST_SEED])
            if L1_ARCH in SAE["architectures"] and SELECTION["expansion"] in SAE["expansion"]
            and l1_twin_lists(POSTHOC, SAE, L1_ARCH, SELECTION["expansion"], True)]  # fmt: skip


def l1_twin_file(protocol, rat, dim, seed):
    """The checkpoint of the standard block (selected expansion) holding a case's L1 twins."""
    return SAE_FILES["checkpoint"].format(protocol=protocol, rat=rat, dim=dim, seed=seed,
                                          arch=L1_ARCH, expansion=SELECTION["expansion"])  # fmt: skip


def first_case(template):
    """Input function: ``template`` (a post-hoc case's file) at the first CEBRA seed."""
    return lambda w: template.format(protocol=w.protocol, rat=w.rat, dim=w.dim, seed=FIRST_SEED)


def selected_block(name):
    """Input function: file ``name`` of a case's selected block."""
    return lambda w: selected_file(name, w.protocol, w.rat, w.dim, w.seed)


def shuffled_cebra_input(w):
    """The shuffled-spikes CEBRA embedding of a case, if it has one."""
    if not has_shuffled_null(POSTHOC["nulls"], w.protocol, w.seed, FIRST_SEED):
        return []
    return final_file("embedding", w.protocol, w.rat, w.dim, w.seed, fit=SHUFFLED_FIT)


def xcebra_input(name):
    """Input function: file ``name`` of a case's xCEBRA fit, if it has one (the model only
    where ``posthoc.attribution`` asks for its Jacobian)."""

    def files(w):
        if not has_xcebra(POSTHOC["classical"], w.protocol):
            return []
        if name == "model" and not POSTHOC["attribution"]:
            return []
        return final_file(name, w.protocol, w.rat, w.dim, w.seed, fit=XCEBRA_FIT)

    return files


def factors_input(w):
    """The true factors of a simulated rat (recovery is measured on them), else nothing."""
    return FACTORS.format(rat=w.rat) if w.rat in SIMULATED else []


def attribution_input(w):
    """The final CEBRA model of a case, when ``posthoc.attribution`` asks for its Jacobian."""
    return final_cebra("model")(w) if POSTHOC["attribution"] else []


# ---- targets --------------------------------------------------------------


def figure_files(figure):
    """The files of a registered figure (one per protocol x rat x dim where it has those);
    none when the config gives it no content (Figure.needs says why)."""
    if figure.missing(config):
        return []
    values = dict(protocol=PROTOCOLS, rat=list(RATS), dim=DIMS)
    return expand(figure_path(figure), **{name: values[name] for name in figure.wildcards})


def final_outputs():
    """Everything ``snakemake`` builds by default: the study's tables, pages and figures."""
    return [
        *[REPORT_PAGE.format(name=name) for name in REPORT_TABLES],
        *[table(name) for name in REPORT_TABLES],
        table("runtime"),
        *[REPORT_PAGE.format(name=name) for name in PAGES],
        *[path for figure in FIGURES.values() for path in figure_files(figure)],
        *expand(EXPLORER, protocol=PROTOCOLS, rat=list(RATS), dim=DIMS),
        LANDING,
    ]


def landing_links():
    """Per figure drawn in this run, how the report's first screen points at it: the file's
    name (a link to the result) or, for a figure per rat x dim, its category."""
    return {
        figure.name: (f"the {figure.name.replace('_', '-')} figures in `{figure.category}`_"
                      if figure.wildcards else f"`{figure.output}`_")  # fmt: skip
        for figure in FIGURES.values()
        if not figure.missing(config)
    }


def landing_page():
    """The report's first screen: the run's findings once rule landing wrote them, else the
    study's description alone."""
    return os.path.abspath(LANDING) if os.path.exists(LANDING) else DESCRIPTION


for _figure in FIGURES.values():
    if _figure.missing(config) and workflow.is_main_process:
        logger.info(f"Not drawn: figure {_figure.name}: {_figure.missing(config)}.")
