"""Each kind of thing the study varies is listed once: architectures, protocols, figures.

The config schema, the workflow and the figures read these registries; these tests check
the copies that must exist (the schema's enums) against them, and that a new entry runs
through the study with no other edit.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from cebra_sae.config import defaults, load_schema
from cebra_sae.data.recording import Split
from cebra_sae.posthoc.evaluate import evaluate_representation
from cebra_sae.protocols import PROTOCOLS, decode, decode_all
from cebra_sae.report.figures import FIGURES, figure_sae_sweep_panel
from cebra_sae.sae import SAESpec, TrainSettings, block_grid, encode, train_block
from cebra_sae.sae.architectures import ARCHITECTURES, Architecture, selectable_architectures
from cebra_sae.sae.grid import grid_keys
from cebra_sae.sae_sweep import protocol_settings, sweep_rows
from cebra_sae.tables import SAE_SWEEP_SCHEMA, SCHEMAS, conform

SCHEMA = load_schema()["properties"]


def test_schema_enums_are_the_registries():
    assert SCHEMA["protocols"]["items"]["enum"] == list(PROTOCOLS)
    assert SCHEMA["sae"]["properties"]["architectures"]["items"]["enum"] == (
        selectable_architectures()
    )
    # the post-hoc comparison runs over k: the selectable families with a k
    assert SCHEMA["posthoc"]["properties"]["selection"]["properties"]["arch"]["enum"] == [
        a for a in selectable_architectures() if "k" in grid_keys(a)
    ]
    from cebra_sae.posthoc.representations import default_nulls, null_names

    assert SCHEMA["posthoc"]["properties"]["nulls"]["items"]["enum"] == null_names()
    assert SCHEMA["posthoc"]["properties"]["nulls"]["default"] == default_nulls()
    from cebra_sae.posthoc.representations import classical_names

    assert SCHEMA["posthoc"]["properties"]["classical"]["items"]["enum"] == classical_names()
    # every list an architecture's grid reads is a list of the sae section
    for name in ARCHITECTURES:
        for key in grid_keys(name):
            assert SCHEMA["sae"]["properties"][key]["type"] == "array", (name, key)
    # every protocol's batch size is a key of the sae section
    for protocol in PROTOCOLS.values():
        assert protocol.sae_batch_size_key in SCHEMA["sae"]["properties"], protocol.name
        for variant in protocol.architecture_variants.values():
            assert variant in ARCHITECTURES and not ARCHITECTURES[variant].selectable


def test_every_figure_has_a_caption_and_reads_written_tables(repo):
    written = set(SCHEMAS)
    for figure in FIGURES.values():
        assert (repo / "workflow" / "report" / f"{figure.name}.rst").exists(), figure.name
        assert set(figure.tables) <= written, figure.name
        assert all(f"{{{w}}}" in figure.output for w in figure.wildcards), figure.name


def _toy_forward(pre, hyper, state):
    """A toy family: ReLU, then zero whatever is below the model's ``l1`` (used as a cut)."""
    h = torch.relu(pre) * (pre > hyper["l1"].view(-1, 1, 1))
    return h, h.new_zeros(h.shape[:-1])


@pytest.fixture
def toy_architecture():
    arch = ARCHITECTURES.register(Architecture("toycut", ("l1",), _toy_forward))
    yield arch
    ARCHITECTURES.unregister("toycut")


def test_a_registered_architecture_runs_grid_trainer_sweep_rows_and_figure(toy_architecture):
    """Registering is the only edit: grid, trainer, sweep table and figure take it."""
    assert "toycut" in selectable_architectures()
    grid = {**defaults("sae"), "l1": [0.0, 0.2]}
    specs = block_grid("toycut", 2, grid)
    assert [s.model_id for s in specs][:2] == ["toycut-x2-lr0.0001-l10-seed0",
                                               "toycut-x2-lr0.0001-l10.2-seed0"]  # fmt: skip
    z = np.random.default_rng(0).normal(size=(400, 4)).astype(np.float32)
    block = train_block(z, specs, TrainSettings(epochs=2))
    rows = pd.DataFrame(sweep_rows(block, z[:300], z[300:])).assign(
        protocol="paper", rat="r", dim=4, seed=0, grid=True, checkpoint="c.npz", epochs=2,
        batch_size=256,
        device="cpu", block_models=len(specs), block_seconds=block.seconds,
    )  # fmt: skip
    table = conform(rows, SAE_SWEEP_SCHEMA)
    assert len(table) == len(specs) == 6 and set(table.arch) == {"toycut"}
    cut = table[table.l1 == 0.2]
    assert (cut.nonzero_ratio_valid < table[table.l1 == 0.0].nonzero_ratio_valid.values).all()
    fig = figure_sae_sweep_panel(table, "paper", "r", "4")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "toycut" in labels
    colours = {tuple(c[:3]) for c in fig.axes[0].collections[0].get_facecolor()}
    assert colours == {(148 / 255,) * 3}  # the figures' grey for a family they do not know


def test_an_architecture_with_an_unknown_hyperparameter_is_refused():
    with pytest.raises(ValueError, match="not SAESpec hyperparameters"):
        ARCHITECTURES.register(Architecture("bad", ("alpha",), _toy_forward))
    assert "bad" not in ARCHITECTURES


@pytest.fixture
def third_protocol():
    """A third reading: the paper's in every way but scoring on the train split."""
    protocol = PROTOCOLS.register(
        dataclasses.replace(
            PROTOCOLS["paper"],
            name="paper_train",
            decoding_prefix="pt_",
            score_split="train",
            penalty_reduction="sum",
        )  # fmt: skip
    )
    yield protocol
    PROTOCOLS.unregister("paper_train")


def test_a_third_protocol_is_one_entry(third_protocol):
    rng = np.random.default_rng(1)
    spikes = rng.poisson(2.0, size=(200, 5)).astype(float)
    labels = np.column_stack([rng.uniform(0, 1.6, 200), np.tile([1.0, 0.0], 100),
                              np.tile([0.0, 1.0], 100)])  # fmt: skip
    split = Split(spikes[:150], spikes[150:], labels[:150], labels[150:])
    args = (spikes[:150], labels[:150], spikes[150:], labels[150:])
    assert decode("paper_train", *args) == decode("paper", *args)
    assert decode_all(*args)["pt_pos_r2_valid"] == decode("paper", *args)["pos_r2_valid"]
    row = evaluate_representation("paper_train", split, spikes[:150], spikes[150:])
    assert row["score_split"] == "train" and row["neuron_score"] == row["neuron_score_paper"]
    z = rng.normal(size=(300, 4))
    spec = SAESpec("jumprelu", 2, 1e-3, l1=1e-2, bandwidth=1e-3)
    for protocol in ("paper", "paper_train"):
        settings = TrainSettings(**protocol_settings(protocol), epochs=1, batch_size=100)
        block = train_block(z, [spec], settings)
        assert "log_threshold" in block.weights  # no variant: the paper's JumpReLU
        h, _ = encode(z, {n: w[0] for n, w in block.weights.items()}, spec, block.architecture)
        assert h.shape == (300, 8)
    assert PROTOCOLS["paper_train"].architecture_name("jumprelu") == "jumprelu"
    assert PROTOCOLS["seed_code"].architecture_name("jumprelu") == "jumprelu_seed_code"


@pytest.fixture
def unit_split():
    rng = np.random.default_rng(2)
    spikes = rng.poisson(2.0, size=(200, 5)).astype(float)
    labels = np.column_stack([rng.uniform(0, 1.6, 200), np.tile([1.0, 0.0], 100),
                              np.tile([0.0, 1.0], 100)])  # fmt: skip
    z = spikes[:, :3] + rng.normal(size=(200, 3))
    return Split(spikes[:150], spikes[150:], labels[:150], labels[150:]), z[:150], z[150:]


def test_a_registered_null_is_evaluated_with_no_other_edit(unit_split):
    """A new null representation is one register call: posthoc evaluates it like the rest."""
    from cebra_sae.posthoc.evaluate import posthoc_case
    from cebra_sae.posthoc.representations import REPRESENTATIONS, Case, Latents, Representation

    split, lt, lv = unit_split

    def negate(case):
        return [Latents("sign_flip", -case.embedding[0], -case.embedding[1])]

    REPRESENTATIONS.register(Representation("sign_flip", "the embedding negated", negate, "sae"))
    try:
        rows, latents, *_ = posthoc_case(Case("paper", split, (lt, lv)), ["cebra", "sign_flip"],
                                     scoring={"shift_draws": 10})  # fmt: skip
    finally:
        REPRESENTATIONS.unregister("sign_flip")
    flip = rows[1]
    assert flip["representation"] == "sign_flip" and "sign_flip_valid" in latents
    assert flip["neuron_score"] == pytest.approx(rows[0]["neuron_score"])  # |r| ignores the sign


def _registries():
    from cebra_sae.data.sources import SOURCES
    from cebra_sae.posthoc.representations import REPRESENTATIONS
    from cebra_sae.report.pages import PAGES
    from cebra_sae.tables import SCHEMAS

    return {"architectures": ARCHITECTURES, "protocols": PROTOCOLS, "figures": FIGURES,
            "representations": REPRESENTATIONS, "sources": SOURCES, "tables": SCHEMAS,
            "pages": PAGES}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(_registries()))
def test_every_registry_refuses_a_duplicate_and_names_the_known_on_an_unknown(kind):
    from cebra_sae.registry import Registry, UnknownName

    registry = _registries()[kind]
    assert isinstance(registry, Registry)
    first = next(iter(registry.values()))
    with pytest.raises(ValueError, match=f"named '{first.name}' is already registered"):
        registry.register(first)
    assert registry[first.name] is first  # the original entry stays
    with pytest.raises(UnknownName) as err:
        registry["no-such-name"]
    message = str(err.value)
    assert message.startswith(f"unknown {registry.kind} 'no-such-name'; known: ")
    assert all(name in message for name in registry)
    assert "no-such-name" not in registry and registry.get("no-such-name") is None


def test_the_schema_s_recording_sources_are_the_registry():
    from cebra_sae.data.sources import SOURCES, simulation_args

    assert SCHEMA["rats"]["additionalProperties"]["properties"]["source"]["enum"] == list(SOURCES)
    keys = set(SCHEMA["rats"]["additionalProperties"]["properties"]) - {"source"}
    assert keys == {key for source in SOURCES.values() for key in source.keys}
    import inspect

    from cebra_sae.data.simulate import simulate_place_cells

    simulator = set(inspect.signature(simulate_place_cells).parameters)
    synthetic = dict.fromkeys(SOURCES["synthetic"].keys, 1)
    assert set(simulation_args(synthetic)) <= simulator
    assert set(SOURCES["synthetic"].keys) - set(simulation_args(synthetic)) == {"position_unit"}


def test_the_figures_colour_only_registered_architectures():
    from cebra_sae.report.labels import ARCHITECTURE_COLOURS

    assert set(ARCHITECTURE_COLOURS) <= set(selectable_architectures())


def test_report_categories_are_named_once():
    from cebra_sae.report.categories import CATEGORIES
    from cebra_sae.report.html import REPORT_TABLES
    from cebra_sae.report.pages import PAGES

    used = {f.category for f in FIGURES.values()} | set(REPORT_TABLES.values())
    used |= {page.category for page in PAGES.values()}
    assert used == set(CATEGORIES)
