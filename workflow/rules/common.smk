"""Config validation, parameter spaces and path helpers shared by every stage."""

import shutil
import sys
from itertools import product
from pathlib import Path
from types import SimpleNamespace

from snakemake.logging import logger
from snakemake.utils import validate

from cebra_sae.attribution import INSTALL_HINT, missing_packages
from cebra_sae.config import config_errors, format_errors, load_schema
from cebra_sae.data import cebra_recording_path, check_rat
from cebra_sae.embedding import fixed_params, resolve_device
from cebra_sae.errors import StudyError
from cebra_sae.figures import FIGURES
from cebra_sae.protocols import PROTOCOLS as PROTOCOL_REGISTRY
from cebra_sae.protocols import get_protocol
from cebra_sae.sae.architectures import selectable_architectures, train_settings
from cebra_sae.sae.grid import grid_keys


def stop(message):
    """End the run before anything is done: the message alone, no traceback, exit status 1."""
    print(message, file=sys.stderr)
    raise SystemExit(1)


def configfiles_in_force():
    """The config files this run reads, in merge order (``--replace-workflow-config`` drops
    the workflow's config.yaml)."""
    settings = workflow.config_settings
    given = [Path(f) for f in settings.configfiles]
    if settings.replace_workflow_config and given:
        return given
    resolved = {f.resolve() for f in given}
    own = [Path(f) for f in workflow.configfiles if Path(f).resolve() not in resolved]
    return own + given


CONFIG_SCHEMA = "../schemas/config.schema.yaml"
_errors = config_errors(
    config, load_schema(Path(workflow.current_basedir) / CONFIG_SCHEMA)
)
if _errors:
    stop(format_errors(_errors, configfiles_in_force()))
validate(config, schema=CONFIG_SCHEMA)  # fills in the schema's defaults

RESULTS = "results"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"
DATA_DIR = config["data_dir"]
RATS = config["rats"]
PROTOCOLS = config["protocols"]
CEBRA = config["cebra"]
POSTHOC = config["posthoc"]
SELECTION = POSTHOC["selection"]


def check_attribution():
    """``posthoc.attribution`` needs what cebra.attribution imports: stop before anything
    runs when it is missing here (a ``--sdm conda`` run gets it from envs/cebra.yaml).
    """
    from snakemake.settings.types import DeploymentMethod

    methods = workflow.deployment_settings.deployment_method
    missing = missing_packages()
    if POSTHOC["attribution"] and missing and DeploymentMethod.CONDA not in methods:
        stop(f"config posthoc.attribution is true but {missing} are not installed: "
             f"{INSTALL_HINT}")  # fmt: skip


check_attribution()


def rats_with_source(*sources):
    return [rat for rat, spec in RATS.items() if spec["source"] in sources]


def missing_cebra_rats():
    """CEBRA-source rats whose file is not in ``data_dir`` yet (only these are fetched).

    A file already on disk is a plain input: no rule claims it, so Snakemake never
    tries to re-create (overwrite) a user's or a shared read-only data folder.
    """
    return [
        rat
        for rat in rats_with_source("cebra")
        if not cebra_recording_path(DATA_DIR, rat).exists()
    ]


def name_regex(names):
    """A wildcard constraint matching exactly ``names`` (never matches if empty)."""
    return "|".join(sorted(names)) if names else "(?!x)x"


def fmt_lr(lr):
    """Canonical text of a learning rate in paths: 0.001 -> '0.001', 1e-05 -> '1e-05'."""
    return f"{float(lr):g}"


def check_recordings():
    """Fail before anything runs when a recording cannot be found or read.

    The main process also checks CEBRA files against CEBRA's md5 and loads user files, so a
    bad file stops the run before Snakemake removes any output to rerun a job.
    """
    for rat, spec in RATS.items():
        try:
            check_rat(rat, spec, DATA_DIR, config["download"], workflow.is_main_process)
        except StudyError as err:
            stop(f"Config error: {err}")


check_recordings()


wildcard_constraints:
    protocol=name_regex(PROTOCOL_REGISTRY),
    rat=name_regex(RATS),
    dim=r"\d+",
    hidden=r"\d+",
    seed=r"\d+",
    lr=r"[0-9.e+-]+",
    arch=name_regex(selectable_architectures()),
    expansion=r"\d+",


# ---- data -----------------------------------------------------------------


def recording_input(wildcards):
    """The raw recording a rat's prepare job reads (none for synthetic rats)."""
    spec = RATS[wildcards.rat]
    if spec["source"] == "cebra":
        return str(cebra_recording_path(DATA_DIR, wildcards.rat))
    if spec["source"] == "file":
        return spec["path"]
    return []


def prepared(rat):
    return f"{RESULTS}/data/{rat}.npz"


# ---- CEBRA ----------------------------------------------------------------

CEBRA_MODEL = "{protocol}/{rat}/dim{dim}-hidden{hidden}-lr{lr}-seed{seed}"


def cebra_models(final_only=False):
    """Wildcard dicts of every CEBRA fit in the study (or only the final embeddings)."""
    hiddens, lrs = CEBRA["num_hidden_units"], CEBRA["learning_rate"]
    if final_only:
        hiddens, lrs = [CEBRA["final"]["num_hidden_units"]], [
            CEBRA["final"]["learning_rate"]
        ]
    return [
        dict(protocol=p, rat=r, dim=d, hidden=h, lr=fmt_lr(lr), seed=s)
        for p, r, d, h, lr, s in product(
            PROTOCOLS, RATS, CEBRA["output_dimension"], hiddens, lrs, CEBRA["seeds"]
        )
    ]


def cebra_files(name, final_only=False):
    """Paths of file ``name`` in every CEBRA model folder."""
    pattern = f"{RESULTS}/cebra/{CEBRA_MODEL}/{name}"
    return [pattern.format(**m) for m in cebra_models(final_only)]


def cebra_params(wildcards):
    """CEBRA keyword arguments of one fit (swept values from wildcards, the rest fixed)."""
    params = fixed_params(CEBRA)
    params.update(
        output_dimension=int(wildcards.dim),
        num_hidden_units=int(wildcards.hidden),
        learning_rate=float(wildcards.lr),
    )
    return params


def is_final(wildcards):
    final = CEBRA["final"]
    return int(wildcards.hidden) == final["num_hidden_units"] and float(
        wildcards.lr
    ) == float(final["learning_rate"])


def check_devices():
    """``device: cuda`` on a local run without a GPU stops before any job (naming the key).

    Run at start-up (``onstart``), when the executor is known: on a cluster the node decides,
    and the job's own message names the key.
    """
    if not workflow.local_exec:
        return
    for key, device in (
        ("cebra.device", CEBRA["device"]),
        ("sae.device", SAE["device"]),
    ):
        if device == "cuda":
            try:
                resolve_device(device, key)
            except StudyError as err:
                stop(f"Config error: {err}")


def gpu_count(device):
    """GPUs a job asks the scheduler for: 1 on ``cuda``; on ``auto`` 1 if this node has one."""
    if device == "cuda":
        return 1
    if device == "auto" and shutil.which("nvidia-smi"):
        return 1
    return 0


# ---- targets --------------------------------------------------------------


#: tables shown in the report -> report category
REPORT_TABLES = {
    "data_summary": "Data",
    "cebra_sweep": "CEBRA",
    "sae_sweep": "SAE sweep",
    "sae_pareto": "SAE sweep",
    "posthoc": "Post-hoc",
    "claims": "Claims",
    "intervals": "Claims",
    "stability": "Is the effect real?",
    "latents": "What a latent means",
}


def final_outputs():
    """Everything ``snakemake`` builds by default: the study's tables and figures."""
    return [
        *[f"{RESULTS}/report/{table}.html" for table in REPORT_TABLES],
        *[f"{RESULTS}/tables/{table}.parquet" for table in REPORT_TABLES],
        f"{RESULTS}/tables/runtime.parquet",
        f"{RESULTS}/report/effect_real.html",
        f"{RESULTS}/report/latent_meaning.html",
        *[path for figure in FIGURES.values() for path in figure_files(figure)],
    ]


def wildcard_values():
    """The values each wildcard of a per-case figure takes in this study."""
    return dict(protocol=PROTOCOLS, rat=list(RATS), dim=CEBRA["output_dimension"])


def figure_files(figure):
    """The files of a registered figure (one per wildcard combination)."""
    values = wildcard_values()
    pattern = f"{RESULTS}/figures/{figure.output}"
    return expand(pattern, **{name: values[name] for name in figure.wildcards})


# ---- SAE ------------------------------------------------------------------

SAE = config["sae"]
SAE_BLOCK = "{protocol}/{rat}/dim{dim}/seed{seed}/{arch}-x{expansion}"
FIRST_SEED = CEBRA["seeds"][0]


def is_selected_block(arch, expansion):
    return arch == SELECTION["arch"] and int(expansion) == SELECTION["expansion"]


def sae_blocks():
    """Wildcard dicts of every SAE block: protocol x rat x dim x seed x arch x expansion.

    The paper's sweep grid runs on the first CEBRA seed's embedding; every other seed's
    embedding gets only the block of the selected SAEs (post-hoc replicates).
    """
    return [
        dict(protocol=p, rat=r, dim=d, seed=s, arch=a, expansion=e)
        for p, r, d, s, a, e in product(
            PROTOCOLS,
            RATS,
            CEBRA["output_dimension"],
            CEBRA["seeds"],
            SAE["architectures"],
            SAE["expansion"],
        )
        if s == FIRST_SEED or is_selected_block(a, e)
    ]


def sae_files(name):
    pattern = f"{RESULTS}/sae/{SAE_BLOCK}/{name}"
    return [pattern.format(**block) for block in sae_blocks()]


def sae_batch_size(wildcards):
    """The SAE batch size of the block's protocol."""
    return SAE[get_protocol(wildcards.protocol).sae_batch_size_key]


def sae_grid(wildcards):
    """The ``sae`` lists of the sweep grid a block trains (its learning rates, its
    architecture's own, the first SAE seed), or None off the first CEBRA seed."""
    if int(wildcards.seed) != FIRST_SEED:
        return None
    grid = {key: SAE[key] for key in grid_keys(wildcards.arch)}
    return {**grid, "seeds": SAE["seeds"][:1]}


def sae_selection(wildcards):
    """The selected SAEs a block also trains (every SAE seed), or None."""
    if not is_selected_block(wildcards.arch, wildcards.expansion):
        return None
    return dict(
        learning_rate=SELECTION["learning_rate"], k=SELECTION["k"], seeds=SAE["seeds"]
    )


# ---- post-hoc -------------------------------------------------------------


def check_selection():
    """The selected SAEs must be part of the sweep."""
    for key, grid_key in (("arch", "architectures"), ("expansion", "expansion")):
        if SELECTION[key] not in SAE[grid_key]:
            stop(
                f"Config error in posthoc.selection.{key}: {SELECTION[key]} is not in "
                f"sae.{grid_key} {SAE[grid_key]}. Fix: select a swept value or add it there."
            )
    if SELECTION["learning_rate"] not in SAE["learning_rate"]:
        stop(
            f"Config error in posthoc.selection.learning_rate: {SELECTION['learning_rate']} "
            f"is not in sae.learning_rate {SAE['learning_rate']}."
        )
    missing = sorted(set(SELECTION["k"]) - set(SAE["k"]))
    if missing:
        stop(
            f"Config error in posthoc.selection.k: {missing} not in sae.k {SAE['k']}. "
            "Fix: select swept k values or add them to sae.k."
        )


def note_dense_topk():
    """Policy for k at least the SAE width: trained (it keeps every latent, STUDY.md §4),
    recorded as ``k_effective`` in sae_sweep, and said here once per run."""
    with_k = [a for a in SAE["architectures"] if "k" in grid_keys(a)]
    if not with_k or not workflow.is_main_process:
        return
    dense = sorted(
        (dim, expansion, k)
        for dim, expansion, k in product(
            CEBRA["output_dimension"], SAE["expansion"], SAE["k"]
        )
        if k >= dim * expansion
    )
    if dense:
        cases = ", ".join(f"k {k} on dim {d} x{e} (width {d * e})" for d, e, k in dense)
        logger.warning(
            f"Note: TopK with k >= width keeps every latent (no sparsity): {cases} "
            f"({', '.join(with_k)}). These "
            "models are trained as configured; sae_sweep records k_effective = width."
        )


check_selection()
note_dense_topk()
POSTHOC_CASE = "{protocol}/{rat}/dim{dim}/seed{seed}"


def selected_block(name):
    """File ``name`` of the block holding the selected SAEs of a post-hoc case."""

    def path(wildcards):
        block = dict(
            wildcards, arch=SELECTION["arch"], expansion=SELECTION["expansion"]
        )
        return f"{RESULTS}/sae/{SAE_BLOCK.format(**block)}/{name}"

    return path


def final_model(wildcards, seed=None):
    """The final CEBRA model's folder name of a case (cebra.final hidden and lr)."""
    final = CEBRA["final"]
    return CEBRA_MODEL.format(
        protocol=wildcards.protocol,
        rat=wildcards.rat,
        dim=wildcards.dim,
        hidden=final["num_hidden_units"],
        lr=fmt_lr(final["learning_rate"]),
        seed=wildcards.seed if seed is None else seed,
    )


def final_cebra_file(name):
    """File ``name`` of the final CEBRA model of a rat x dim x seed."""

    def path(wildcards):
        return f"{RESULTS}/cebra/{final_model(wildcards)}/{name}"

    return path


def has_shuffled(protocol, seed):
    """Whether a case evaluates the shuffled-spikes CEBRA null (first seed, supervised
    protocols, ``shuffled_cebra`` in ``posthoc.nulls``)."""
    return (
        "shuffled_cebra" in POSTHOC["nulls"]
        and int(seed) == FIRST_SEED
        and get_protocol(protocol).cebra_supervised
    )


def shuffled_cebra_input(wildcards):
    """The shuffled-spikes CEBRA embedding of a case, if it has one."""
    if not has_shuffled(wildcards.protocol, wildcards.seed):
        return []
    return f"{RESULTS}/cebra_shuffled/{final_model(wildcards)}/embedding.npz"


def factors_input(wildcards):
    """The true factors of a simulated rat (recovery is measured on them), else nothing."""
    if RATS[wildcards.rat]["source"] != "synthetic":
        return []
    return f"{RESULTS}/data/{wildcards.rat}.factors.npz"


def attribution_input(wildcards):
    """The final CEBRA model of a case, when ``posthoc.attribution`` asks for its Jacobian."""
    return final_cebra_file("model.pt")(wildcards) if POSTHOC["attribution"] else []


def posthoc_files(name):
    pattern = f"{RESULTS}/posthoc/{POSTHOC_CASE}/{name}"
    return expand(
        pattern,
        protocol=PROTOCOLS,
        rat=RATS,
        dim=CEBRA["output_dimension"],
        seed=CEBRA["seeds"],
    )


def final_embeddings(wildcards):
    """The final CEBRA embeddings of a protocol x rat x dim, one per seed."""
    return [
        f"{RESULTS}/cebra/{final_model(wildcards, seed)}/embedding.npz"
        for seed in CEBRA["seeds"]
    ]


def stability_inputs():
    """Keys (protocol, rat, dim, seed) and paths of every final embedding and selected block."""
    keys = list(product(PROTOCOLS, RATS, CEBRA["output_dimension"], CEBRA["seeds"]))
    embeddings, checkpoints = [], []
    for protocol, rat, dim, seed in keys:
        w = dict(protocol=protocol, rat=rat, dim=dim, seed=seed)
        embeddings.append(
            f"{RESULTS}/cebra/{final_model(SimpleNamespace(**w))}/embedding.npz"
        )
        block = dict(w, arch=SELECTION["arch"], expansion=SELECTION["expansion"])
        checkpoints.append(f"{RESULTS}/sae/{SAE_BLOCK.format(**block)}/checkpoint.npz")
    return keys, embeddings, checkpoints


STABILITY_KEYS, STABILITY_EMBEDDINGS, STABILITY_CHECKPOINTS = stability_inputs()


onstart:
    check_devices()
