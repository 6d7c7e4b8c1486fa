"""Nothing silently wrong (issue 27): every option that shapes a recording reruns it, every
bin is traceable, and odd data is flagged where its numbers are read.

Each case starts from a file the test writes (pynwb for NWB) and runs the Snakemake CLI.
"""

import shutil

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import job_counts, snakemake

from cebra_sae.data.recording import load_prepared, load_provenance
from cebra_sae.data.sources import SOURCES

pytestmark = pytest.mark.workflow

#: Tiny CEBRA settings: the point is the data, not the fit.
QUICK = {"cebra": {"output_dimension": [4], "num_hidden_units": [16], "learning_rate": [0.001],
                   "final": {"num_hidden_units": 16, "learning_rate": 0.001},
                   "max_iterations": 5, "seeds": [0], "batch_size": 32}}  # fmt: skip


def _run(workdir, config, *args, dry=False):
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    flags = ["-n"] if dry else ["--cores", 1]
    return snakemake(*flags, "--configfile", path, "--replace-workflow-config", *args,
                     cwd=workdir)  # fmt: skip


def _track(path, intervals=None):
    """A 2-D diagonal track run back and forth for 2 min, 4 units, written with pynwb."""
    from cebra_sae.data.nwb import write_nwb

    t = np.arange(0, 120, 1 / 60)
    s = np.abs(np.sin(2 * np.pi * t / 16))
    xy = np.column_stack([100 + 300 * s, 400 - 200 * s])
    spikes = [np.sort(np.random.default_rng(u).uniform(0, 120, 600)) for u in range(4)]
    return write_nwb(path, spikes, xy, t, intervals=intervals)


def _file(path, n_bins=1500, one_way_from=None, unit_scale=1.0):
    """A ``file`` recording; from bin ``one_way_from`` on the animal runs right only."""
    rng = np.random.default_rng(0)
    position = np.abs(np.sin(np.linspace(0, 30, n_bins))) * 1.6 * unit_scale
    right = (np.gradient(position) > 0).astype(float)
    if one_way_from is not None:
        right[one_way_from:] = 1.0
    arrays = dict(spikes=rng.poisson(1.0, size=(n_bins, 6)).astype(float),
                  position=np.column_stack([position, right, 1 - right]))  # fmt: skip
    if path.suffix == ".jl":
        joblib.dump(arrays, path)
    else:
        np.savez(path, **arrays)
    return path


#: Per source: its rule, a first entry, and one changed value for every key it takes (the
#: test checks these cover the source's keys, so a new option must be added here).
CHANGES = {
    "nwb": ("prepare_recording", {"path": "track.nwb"}, {
        "path": "copy.nwb", "position_series": "led", "units": [0, 1, 2],
        "time_range": [0, 100], "intervals": "laps", "bin_seconds": 0.05,
        "speed_threshold": 40.0, "relative_speed_threshold": 0.04, "max_speed": 1.0e5,
        "relative_max_speed": 20, "max_gap_seconds": 0.5, "smooth_seconds": 0.2,
        "track_endpoints": [[100, 400], [400, 200]], "min_line_variance": 0.8,
        "max_stuck_seconds": 10}),
    "file": ("prepare_recording", {"path": "mine.npz"},
             {"path": "copy.npz", "position_unit": "cm"}),
    "synthetic": ("simulate_recording", {"seed": 1, "n_laps": 4, "n_neurons": 6}, {
        "seed": 2, "n_neurons": 7, "n_laps": 5, "speed_m_s": 0.5, "baseline_rate_hz": 0.2,
        "direction_gain": 0.5, "n_assemblies": 3, "assemblies_per_neuron": 1,
        "position_unit": "cm"}),
}  # fmt: skip


@pytest.mark.long
@pytest.mark.parametrize("source", list(CHANGES))
def test_every_option_that_shapes_a_recording_reruns_its_preparation(tmp_path, source):
    if source == "nwb":
        pytest.importorskip("pynwb")
        _track(tmp_path / "track.nwb", intervals={"laps": [(0.0, 110.0)]})
        shutil.copy(tmp_path / "track.nwb", tmp_path / "copy.nwb")
    elif source == "file":
        _file(tmp_path / "mine.npz")
        shutil.copy(tmp_path / "mine.npz", tmp_path / "copy.npz")
    rule, entry, changes = CHANGES[source]
    assert set(changes) == set(SOURCES[source].keys)  # every key of the source
    config = {"rats": {"r": {"source": source, **entry}}}
    first = _run(tmp_path, config, "--until", rule)
    assert first.returncode == 0, first.stdout[-3000:]
    prepared = (tmp_path / "results/data/r.npz").read_bytes()
    same = _run(tmp_path, config, "--until", rule, dry=True)
    assert same.returncode == 0 and job_counts(same.stdout).get(rule) is None, same.stdout
    for key, value in changes.items():
        changed = {"rats": {"r": {"source": source, **entry, key: value}}}
        run = _run(tmp_path, changed, "--until", rule, dry=True)
        assert run.returncode == 0, (key, run.stdout[-3000:])
        assert job_counts(run.stdout).get(rule) == 1, (key, run.stdout[-3000:])
        reason = "Params have changed" if key != "path" else "input files"
        assert reason in run.stdout, (key, run.stdout[-3000:])
    assert (tmp_path / "results/data/r.npz").read_bytes() == prepared  # dry runs touch nothing


def test_a_validation_split_that_runs_one_way_is_flagged_not_scored(tmp_path):
    """The last 20 % runs right only: said at start-up, counted in data_summary, and the
    direction accuracy on it is NaN with the reason, never a number."""
    _file(tmp_path / "mine.npz", one_way_from=1200)
    config = {"rats": {"mine": {"source": "file", "path": "mine.npz"}},
              "protocols": ["paper", "seed_code"], **QUICK}  # fmt: skip
    run = _run(tmp_path, config, "--until", "cebra_sweep", "data_summary")
    assert run.returncode == 0, run.stdout[-3000:]
    warning = ("rats.mine: The validation split has 300 right and 0 left bins (each direction "
               "needs >= 20): its direction accuracy is not testable (NaN in the tables, left "
               "out of the claims).")  # fmt: skip
    assert f"Warning: {warning}" in run.stdout  # at start-up, before any job
    assert run.stdout.index(warning) < run.stdout.index("prepare_recording")
    summary = pd.read_parquet(tmp_path / "results/tables/data_summary.parquet").iloc[0]
    assert (summary.n_right_valid, summary.n_left_valid) == (300, 0)
    assert summary.n_right_train + summary.n_left_train == 1200 and summary.n_left_train > 20
    assert "The validation split has 300 right and 0 left bins" in summary.warnings
    sweep = pd.read_parquet(tmp_path / "results/tables/cebra_sweep.parquet").iloc[0]
    assert np.isnan(sweep.dir_acc_valid) and np.isnan(sweep.seed_code_dir_acc_valid)
    assert np.isfinite(sweep.dir_acc_train) and np.isfinite(sweep.pos_r2_valid)
    assert sweep.not_testable == ("dir_acc_valid: the validation split has 300 right and 0 "
                                  "left bins (each direction needs >= 20)")  # fmt: skip


def test_a_file_rat_keeps_its_unit_its_rows_and_says_jl_is_a_pickle(tmp_path):
    _file(tmp_path / "mine.jl", unit_scale=100.0)  # positions in cm
    config = {"rats": {"mine": {"source": "file", "path": "mine.jl", "position_unit": "cm"}}}
    run = _run(tmp_path, config, "--until", "data_summary")
    assert run.returncode == 0, run.stdout[-3000:]
    assert ("Note: rats.mine: mine.jl is a joblib file, i.e. a Python pickle: loading it runs "
            "any code it carries. Load only files you trust; .npz (np.savez) holds arrays "
            "only.") in run.stdout  # fmt: skip
    summary = pd.read_parquet(tmp_path / "results/tables/data_summary.parquet").iloc[0]
    assert summary.position_unit == "cm" and summary.position_max > 100
    provenance = load_provenance(tmp_path / "results/data/mine.npz")
    assert provenance.kind == "source_row" and provenance.position_unit == "cm"
    assert provenance.valid.tolist() == list(range(1200, 1500))
    assert provenance.unit_ids.tolist() == list(range(6))
    split = load_prepared(tmp_path / "results/data/mine.npz")
    np.testing.assert_array_equal(joblib.load(tmp_path / "mine.jl")["spikes"][provenance.valid],
                                  split.spikes_valid)  # fmt: skip


def test_a_clock_reset_stops_before_any_job_and_keeps_what_was_prepared(tmp_path):
    pytest.importorskip("pynwb")
    from cebra_sae.data.nwb import write_nwb

    path = _track(tmp_path / "track.nwb")
    config = {"rats": {"lt": {"source": "nwb", "path": "track.nwb"}}}
    first = _run(tmp_path, config, "--until", "prepare_recording")
    assert first.returncode == 0, first.stdout[-3000:]
    prepared = (tmp_path / "results/data/lt.npz").read_bytes()
    provenance = load_provenance(tmp_path / "results/data/lt.npz")
    assert provenance.kind == "bin_start" and provenance.unit_ids.tolist() == [0, 1, 2, 3]
    t = np.arange(0, 120, 1 / 60)
    s = np.abs(np.sin(2 * np.pi * t / 16))
    reset = np.where(t < 60, t, t - 59.5)  # the second minute restarts at 0.5 s
    spikes = [np.sort(np.random.default_rng(u).uniform(0, 120, 600)) for u in range(4)]
    write_nwb(path, spikes, np.column_stack([100 + 300 * s, 400 - 200 * s]), reset)
    run = _run(tmp_path, config, "--until", "prepare_recording", "--forceall")
    assert run.returncode != 0
    assert ("Config error: rats.lt: NWB file track.nwb: the timestamps of position series "
            "'led' jump back by 59.483 s at sample 3600 (from 59.983 s to 0.500 s): a clock "
            "reset") in run.stdout  # fmt: skip
    assert "Fix: restrict to one clock with time_range (e.g. [0.000, 59.983])" in run.stdout
    assert "Traceback" not in run.stdout and "prepare_recording" not in job_counts(run.stdout)
    assert (tmp_path / "results/data/lt.npz").read_bytes() == prepared  # untouched


def test_two_studies_side_by_side_keep_their_own_files(tmp_path):
    """Two studies, each a folder with its config.yaml, run one after the other with
    --directory: neither touches the other's files, and neither reruns the other's jobs."""
    files = {}
    for name, seed in (("a", 1), ("b", 2)):
        study = tmp_path / "studies" / name
        study.mkdir(parents=True)
        config = {"rats": {"sim": {"source": "synthetic", "seed": seed, "n_laps": 4,
                                   "n_neurons": 6}}, **QUICK}  # fmt: skip
        (study / "config.yaml").write_text(yaml.safe_dump(config))
        run = snakemake("--cores", 1, "--directory", study, "--until", "cebra_sweep",
                        cwd=tmp_path)  # fmt: skip
        assert run.returncode == 0, run.stdout[-3000:]
        if name == "a":  # what study a wrote, byte for byte and with its times
            files = {p: (p.read_bytes(), p.stat().st_mtime_ns)
                     for p in study.rglob("*") if p.is_file()}  # fmt: skip
    a, b = tmp_path / "studies/a", tmp_path / "studies/b"
    assert files and all(p.read_bytes() == data and p.stat().st_mtime_ns == mtime
                         for p, (data, mtime) in files.items())  # fmt: skip
    assert not (tmp_path / "results").exists()  # nothing in the folder snakemake ran from
    sweeps = [pd.read_parquet(s / "results/tables/cebra_sweep.parquet") for s in (a, b)]
    assert not sweeps[0].equals(sweeps[1])  # two different recordings, two different tables
    for study in (a, b):  # each is up to date on its own
        again = snakemake("-n", "--directory", study, "--until", "cebra_sweep", cwd=tmp_path)
        assert again.returncode == 0 and job_counts(again.stdout).get("total", 0) == 0, (
            again.stdout[-2000:]
        )
