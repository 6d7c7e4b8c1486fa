import pandas as pd
import pytest

from cebra_sae.config import config_errors, load_schema
from cebra_sae.report.figures import (
    figure_cebra_sweep,
    figure_sae_sweep_grid,
    figure_sae_sweep_panel,
    save_figure,
)
from cebra_sae.tables import (
    CEBRA_SWEEP_SCHEMA,
    SCHEMAS,
    concat_tables,
    conform,
    schema_markdown,
    tables_markdown,
    write_table,
)


def _sweep_rows(protocols=("paper", "seed_code")):
    rows = []
    for protocol in protocols:
        for rat in ("a", "b"):
            for dim in (8, 16):
                row = {
                    c: 0
                    for c, (t, _) in CEBRA_SWEEP_SCHEMA.columns.items()
                    if t in ("int64", "float64")
                }
                row.update(
                    rat=rat,
                    protocol=protocol,
                    dim=dim,
                    hidden=32,
                    lr=1e-3,
                    final=True,
                    model_architecture="offset10-model",
                    distance="cosine",
                    device="cpu",
                    not_testable="",
                    pos_r2_valid=0.5,
                    dir_acc_valid=0.8,
                    seed_code_pos_r2_valid=0.6,
                    seed_code_dir_acc_valid=0.9,
                )
                rows.append(row)
    return pd.DataFrame(rows)


def test_conform_orders_casts_and_names_missing_columns():
    df = _sweep_rows().drop(columns=["rat"])
    with pytest.raises(
        KeyError, match=r"cebra_sweep: the rows lack the declared columns \['rat'\]"
    ):
        conform(df, CEBRA_SWEEP_SCHEMA)
    out = conform(_sweep_rows()[list(reversed(CEBRA_SWEEP_SCHEMA.columns))], CEBRA_SWEEP_SCHEMA)
    assert list(out.columns) == list(CEBRA_SWEEP_SCHEMA.columns)
    assert str(out.dtypes["dim"]) == "int64" and str(out.dtypes["rat"]) == "string"


def test_conform_refuses_a_column_the_schema_does_not_declare(tmp_path):
    misspelt = _sweep_rows().assign(pos_r2_vaild=0.5)  # a typo in a new metric
    with pytest.raises(KeyError, match=r"cebra_sweep: the rows have columns \['pos_r2_vaild'\]"):
        conform(misspelt, CEBRA_SWEEP_SCHEMA)
    with pytest.raises(KeyError, match="pos_r2_vaild"):
        write_table(misspelt, tmp_path / "t.parquet", CEBRA_SWEEP_SCHEMA)
    assert not (tmp_path / "t.parquet").exists()


def test_write_and_concat_round_trip(tmp_path):
    df = _sweep_rows()
    for i in range(4):
        write_table(df.iloc[2 * i : 2 * i + 2], tmp_path / f"{i}.parquet")
    assert not list(tmp_path.glob("*.tmp*"))
    back = concat_tables(sorted(tmp_path.glob("*.parquet"))[::-1], CEBRA_SWEEP_SCHEMA)
    assert len(back) == 8 and back.rat.tolist()[:2] == ["a", "a"]  # the schema's sort order
    assert back.protocol.tolist()[:4] == ["paper"] * 4


def test_docs_tables_is_generated_from_the_schemas(repo):
    """docs/tables.md documents every column of every table, as the schemas declare them."""
    assert (repo / "docs" / "tables.md").read_text() == tables_markdown(), (
        "docs/tables.md is out of date: cebra-sae docs"
    )
    for schema in SCHEMAS.values():
        assert schema_markdown(schema) in tables_markdown(), schema.name


def test_figure_1_has_a_panel_per_hyperparameter_and_protocol(tmp_path):
    fig = figure_cebra_sweep(_sweep_rows())
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title().startswith("paper") and fig.axes[3].get_title().startswith(
        "seed_code"
    )
    save_figure(fig, tmp_path / "fig.png")
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"
    assert len(figure_cebra_sweep(_sweep_rows(("paper",))).axes) == 3


@pytest.fixture(scope="module")
def schema(repo):
    return load_schema(repo / "workflow" / "schemas" / "config.schema.yaml")


def test_schema_accepts_the_shipped_configs(repo, schema):
    import yaml

    for path in [
        repo / "config.yaml",
        *sorted((repo / "config").glob("*.yaml")),
        *sorted((repo / "tests" / "configs").glob("*.yaml")),
    ]:
        assert config_errors(yaml.safe_load(path.read_text()), schema) == [], path


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"rats": {"a": {"source": "synthetic"}}, "foo": 1}, "(top level): unknown key 'foo'"),
        ({"rats": {"a": {"source": "synthetic", "nneurons": 3}}}, "rats.a: unknown key 'nneurons'"),
        ({"rats": {"a": {"source": "file"}}}, "rats.a: 'path' is a required property"),
        ({"rats": {"a": {"source": "mat"}}}, "rats.a.source: 'mat' is not one of"),
        (
            {"rats": {"a": {"source": "synthetic"}}, "protocols": ["papr"]},
            "protocols.0: 'papr' is not one of ['paper', 'seed_code']",
        ),
        (
            {"rats": {"a": {"source": "synthetic"}}, "cebra": {"learning_rate": [0]}},
            "cebra.learning_rate.0: 0 is less than or equal to the minimum of 0",
        ),
        ({}, "(top level): 'rats' is a required property"),
    ],
)
def test_schema_errors_name_the_key(schema, config, expected):
    errors = config_errors(config, schema)
    assert any(e.startswith(expected) for e in errors), errors


def _sae_rows():
    rows = []
    for rat in ("a", "b"):
        for dim in (8, 16, 32):
            for arch in ("standard", "topk", "jumprelu"):
                for expansion in (2, 8):
                    rows.append(
                        dict(
                            protocol="paper",
                            rat=rat,
                            dim=dim,
                            arch=arch,
                            expansion=expansion,
                            nonzero_ratio_valid=0.1 * expansion,
                            explained_variance_valid=0.9,
                        )
                    )
    rows.append({**rows[0], "explained_variance_valid": float("nan")})  # a diverged model
    return pd.DataFrame(rows)


def test_sae_sweep_figures(tmp_path):
    grid = figure_sae_sweep_grid(_sae_rows())
    assert len(grid.axes) == 6  # 2 rats x 3 dims
    assert grid.axes[0].get_title() == "a, dim 8 (paper)"
    panel = figure_sae_sweep_panel(_sae_rows(), "paper", "b", 16)
    (ax,) = panel.axes
    assert len(ax.collections[0].get_offsets()) == 6  # 3 archs x 2 expansions
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"standard", "topk", "jumprelu", "2", "8"} <= set(labels)
    save_figure(panel, tmp_path / "panel.png")
    save_figure(grid, tmp_path / "grid.png")


def _posthoc_rows():
    rows = [
        dict(protocol="paper", rat=rat, dim=dim, seed=seed, representation=model, k=k,
             sae_seed=None if k is None else 0, score_split="valid",
             neuron_score=0.1 * dim / 8 + (k or 0) / 100 + seed / 50, behavior_score=0.5,
             pos_r2_valid=0.5, dir_acc_valid=0.8, neuron_null_p95=0.05, behavior_null_p95=0.1)
        for rat in ("a", "b") for dim in (8, 16) for seed in (0, 1)
        for model, k in (("cebra", None), ("sae", 8), ("random_sae", 8), ("pca", None))
    ]  # fmt: skip
    return pd.DataFrame(rows).astype({"k": "Int64", "sae_seed": "Int64"})


def test_post_hoc_figures_are_reproducible_and_draw_intervals_and_nulls(tmp_path):
    """The strip plot's jitter is seeded: the same table gives the same PNG, byte for byte."""
    from cebra_sae.claims.intervals import intervals_table
    from cebra_sae.report.figures import figure_nulls, figure_scores, figure_scores_by_dim

    posthoc = _posthoc_rows()
    intervals = intervals_table(posthoc)
    # Figure 4 as the paper draws it: CEBRA and the SAEs; the nulls in their own figure
    fig = figure_scores(posthoc, intervals)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["CEBRA", "SAE k=8"]
    assert fig.axes[0].get_title() == "neuron score\n(validation split)"
    fig = figure_nulls(posthoc, intervals)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["CEBRA", "SAE k=8", "untrained SAE k=8", "PCA rotation"]  # registry order
    assert len(ax.collections) >= 4 + 4  # a null band and a strip per representation
    assert len(fig.axes) == 4  # scores above, decoding below
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:4] == ["CEBRA", "SAE", "untrained SAE", "PCA rotation"]  # one per colour
    pngs = []
    for i in range(2):
        save_figure(figure_scores(posthoc, intervals), tmp_path / f"{i}.png")
        pngs.append((tmp_path / f"{i}.png").read_bytes())
    assert pngs[0] == pngs[1]
    save_figure(figure_scores_by_dim(intervals), tmp_path / "fig6.png")


def test_forest_plot_has_a_row_per_part_and_null():
    from cebra_sae.claims.paper import claims_table
    from cebra_sae.report.figures import figure_forest

    claims = claims_table(pd.DataFrame(columns=["protocol"]), _posthoc_rows())
    fig = figure_forest(claims)
    rows = claims[claims.effect.notna()]
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert len(ticks) == len(rows) and "C3 k8  vs untrained SAE" in ticks
    # one panel per unit: scores never share an axis with R² or accuracy
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert {"score", "position R²", "direction accuracy"} <= set(titles)
    assert len(titles) == len(set(titles))
    score = fig.axes[titles.index("score")]
    assert not any("pos_r2" in t.get_text() for t in score.get_yticklabels())
    assert "too few to generalise" in fig._suptitle.get_text()


def test_integer_keys_refuse_floats_and_booleans(schema):
    rats = {"a": {"source": "synthetic"}}
    errors = config_errors({"rats": rats, "cebra": {"output_dimension": [4.0, 8]},
                            "sae": {"epochs": 2.0, "k": [True]}}, schema)  # fmt: skip
    assert errors == [
        "cebra.output_dimension.0: 4.0 is not of type 'integer' (write whole numbers without a "
        "decimal point)",
        "sae.epochs: 2.0 is not of type 'integer' (write whole numbers without a decimal point)",
        "sae.k.0: True is not of type 'integer' (write whole numbers without a decimal point)",
    ]
    assert config_errors({"rats": rats, "cebra": {"output_dimension": [4]}}, schema) == []


def test_check_config_reads_files_as_snakemake_and_names_yaml_errors(tmp_path, monkeypatch):
    from cebra_sae.cli import ConfigFileError, main, read_config_file

    monkeypatch.chdir(tmp_path)
    (tmp_path / "tab.yaml").write_text("rats:\n\tsim: {source: synthetic}\n")
    with pytest.raises(ConfigFileError, match=r"^tab.yaml:2:1: not valid YAML"):
        read_config_file("tab.yaml")
    (tmp_path / "list.yaml").write_text("- a\n")
    with pytest.raises(ConfigFileError, match="keys at top level"):
        read_config_file("list.yaml")
    (tmp_path / "config.yaml").write_text("rats: {sim: {source: synthetic}}\n")
    (tmp_path / "mine.yaml").write_text("cebra: {max_iterations: 0}\n")
    assert main(["check-config", "mine.yaml"]) == 1  # merged onto ./config.yaml: rats present
    (tmp_path / "mine.yaml").write_text("cebra: {max_iterations: 5}\n")
    assert main(["check-config", "mine.yaml"]) == 0
    assert main(["check-config", "--replace-workflow-config", "mine.yaml"]) == 1  # no rats


def test_no_figure_asks_for_text_below_the_readable_size():
    """Every figure's text is >= MIN_FONT_PT at its saved resolution (issue 30): the rc sizes
    and every explicit fontsize in the figures' code."""
    import re
    from pathlib import Path

    from cebra_sae.report import figures

    assert min(v for v in figures.READABLE.values()) >= figures.MIN_FONT_PT
    code = Path(figures.__file__).read_text()
    sizes = [int(n) for n in re.findall(r"(?:fontsize|labelsize)=(\d+)", code)]
    assert sizes and min(sizes) >= figures.MIN_FONT_PT
