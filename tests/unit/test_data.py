import joblib
import numpy as np
import pytest

from cebra_sae.data.recording import (
    Recording,
    chronological_split,
    direction,
    load_prepared,
    load_provenance,
    save_prepared,
    validate_recording,
)
from cebra_sae.data.sources import load_cebra_recording, load_file_recording
from cebra_sae.data.summary import summary_row
from cebra_sae.errors import StudyError


@pytest.fixture(scope="module")
def buddy(data_dir):
    return load_cebra_recording("buddy", data_dir, download=False)


def test_cebra_source_loads_buddy_offline(buddy):
    spikes, labels = buddy
    assert spikes.shape == (6577, 48)
    assert labels.shape == (6577, 3)
    assert labels[:, 0].min() == pytest.approx(0.0) and labels[:, 0].max() == pytest.approx(1.6)
    assert set(np.unique(labels[:, 1:])) == {0.0, 1.0}
    assert np.all(labels[:, 1] + labels[:, 2] == 1)


def test_cebra_source_missing_file_names_file_folder_and_fix(tmp_path):
    with pytest.raises(StudyError) as err:
        load_cebra_recording("gatsby", tmp_path, download=False)
    message = str(err.value)
    assert str(tmp_path / "rat_hippocampus" / "gatsby.jl") in message
    assert f"data_dir='{tmp_path}'" in message
    assert "Fix:" in message and "--config data_dir=" in message


def test_cebra_source_rejects_unknown_rat(tmp_path):
    with pytest.raises(StudyError, match="only ships achilles, buddy, cicero, gatsby"):
        load_cebra_recording("hobbes", tmp_path)


def test_file_source_loads_achilles_npz(achilles_npz):
    spikes, labels = load_file_recording(achilles_npz)
    assert spikes.shape == (10178, 120)
    assert labels.shape == (10178, 3)
    assert spikes.dtype == np.float64 and spikes.min() >= 0


def test_file_source_loads_joblib(tmp_path):
    rng = np.random.default_rng(0)
    spikes = rng.poisson(1.0, size=(50, 4))
    labels = np.column_stack([np.linspace(0, 1.6, 50), np.ones(50), np.zeros(50)])
    path = tmp_path / "rec.jl"
    joblib.dump({"spikes": spikes, "position": labels}, path)
    got_spikes, got_labels = load_file_recording(path)
    np.testing.assert_array_equal(got_spikes, spikes)
    np.testing.assert_array_equal(got_labels, labels)


def _labels(t):
    return np.column_stack([np.linspace(0, 1.6, t), np.ones(t), np.zeros(t)])


@pytest.mark.parametrize(
    ("spikes", "labels", "match"),
    [
        (np.zeros(50), _labels(50), r"'spikes' must be 2-D"),
        (np.zeros((50, 3)), _labels(50)[:, :2], r"'position' must be T x 3"),
        (np.zeros((50, 3)), _labels(40), r"50 time bins but 'position' has 40"),
        (
            np.full((50, 3), np.nan),
            _labels(50),
            r"'spikes' has 150 NaN/inf values \(first at bin 0",
        ),
        (
            np.zeros((50, 3)),
            np.where(np.arange(50)[:, None] == 7, np.inf, _labels(50)),
            r"'position' has 3 NaN/inf values \(first at bin 7",
        ),
        (-np.ones((50, 3)), _labels(50), r"negative"),
    ],
)
def test_bad_recordings_are_clear_errors(tmp_path, spikes, labels, match):
    path = tmp_path / "bad.npz"
    np.savez(path, spikes=spikes, position=labels)
    with pytest.raises(StudyError, match=match) as err:
        load_file_recording(path)
    assert str(path) in str(err.value)


def test_file_source_missing_keys_and_extension(tmp_path):
    path = tmp_path / "rec.npz"
    np.savez(path, neural=np.zeros((30, 2)))
    with pytest.raises(StudyError, match=r"lacks \['spikes', 'position'\]; it has \['neural'\]"):
        load_file_recording(path)
    other = tmp_path / "rec.mat"
    other.write_text("x")
    with pytest.raises(StudyError, match="use .npz or .jl"):
        load_file_recording(other)
    with pytest.raises(StudyError, match="does not exist"):
        load_file_recording(tmp_path / "nope.npz")


def test_split_is_chronological_80_20(buddy):
    spikes, labels = buddy
    split = chronological_split(spikes, labels, 0.8)
    assert (split.n_train, split.n_valid) == (5261, 1316)  # the published study's split
    np.testing.assert_array_equal(split.spikes_train, spikes[:5261])
    np.testing.assert_array_equal(split.spikes_valid, spikes[5261:])
    np.testing.assert_array_equal(split.labels_valid, labels[5261:])


@pytest.mark.parametrize(("t", "fraction", "n_train"), [(10, 0.8, 8), (11, 0.8, 8), (9, 0.5, 4)])
def test_split_boundary(t, fraction, n_train):
    split = chronological_split(np.arange(t)[:, None], _labels(t), fraction)
    assert split.n_train == n_train and split.n_valid == t - n_train
    assert split.spikes_train[-1, 0] == n_train - 1 and split.spikes_valid[0, 0] == n_train


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5, 0.01])
def test_split_rejects_empty_splits(fraction):
    with pytest.raises(StudyError):
        chronological_split(np.zeros((10, 1)), _labels(10), fraction)


def test_direction_is_argmax_right_left():
    labels = np.array([[0.1, 1, 0], [0.2, 0, 1], [0.3, 1, 0]])
    np.testing.assert_array_equal(direction(labels), [0, 1, 0])


def test_prepared_file_round_trip(tmp_path):
    spikes, labels = validate_recording(np.arange(60.0).reshape(30, 2), _labels(30))
    split = chronological_split(spikes, labels, 0.8)
    path = tmp_path / "sub" / "rat.npz"
    save_prepared(path, split, "rat", "file", 0.8, Recording(spikes, labels, np.array([4, 9])),
                  position_unit="cm")  # fmt: skip
    assert sorted(p.name for p in path.parent.iterdir()) == ["rat.npz"]  # no temp file left
    back = load_prepared(path)
    np.testing.assert_array_equal(back.spikes_valid, split.spikes_valid)
    np.testing.assert_array_equal(back.labels_train, split.labels_train)
    with np.load(path) as npz:
        assert list(npz["label_names"]) == ["position", "right", "left"]
        assert str(npz["source"]) == "file"
    provenance = load_provenance(path)  # each bin's row in the file, each unit's column id
    assert provenance.kind == "source_row" and provenance.position_unit == "cm"
    assert provenance.train.tolist() == list(range(24))
    assert provenance.valid.tolist() == list(range(24, 30))
    assert provenance.unit_ids.tolist() == [4, 9]
    np.testing.assert_array_equal(spikes[provenance.valid], back.spikes_valid)
    with pytest.raises(ValueError, match="provenance does not match"):
        save_prepared(path, split, "rat", "file", 0.8, Recording(spikes[:5], labels[:5], [0, 1]))


def test_summary_row(buddy):
    split = chronological_split(*buddy, 0.8)
    row = summary_row(split, "buddy", "cebra")
    assert row["n_timesteps"] == 6577 and row["n_neurons"] == 48
    assert row["spikes_per_bin"] == pytest.approx(buddy[0].sum(axis=1).mean())
    assert 0 < row["fraction_right"] < 1


# ---- file errors name their real cause; data that gives little is warned about ----------


def test_a_damaged_cebra_file_is_refused_with_both_checksums(tmp_path, data_dir):
    from cebra_sae.data.sources import check_cebra_file, check_rat

    folder = tmp_path / "rat_hippocampus"
    folder.mkdir()
    good = (data_dir / "rat_hippocampus" / "buddy.jl").read_bytes()
    (folder / "buddy.jl").write_bytes(good)
    check_cebra_file("buddy", tmp_path)  # CEBRA's own file passes
    (folder / "buddy.jl").write_bytes(good[:1000])
    for check in (lambda: check_cebra_file("buddy", tmp_path),
                  lambda: check_rat("buddy", {"source": "cebra"}, tmp_path, download=False),
                  lambda: load_cebra_recording("buddy", tmp_path)):  # fmt: skip
        with pytest.raises(StudyError, match="is damaged .truncated or corrupt.: its md5 is"):
            check()
    # the workflow's jobs on cluster nodes skip the deep check (the main process did it)
    check_rat("buddy", {"source": "cebra"}, tmp_path, download=False, deep=False)


def test_check_rat_shallow_and_deep_for_user_files(tmp_path):
    from cebra_sae.data.sources import check_rat

    good = tmp_path / "good.npz"
    labels = np.column_stack([np.linspace(0, 1.6, 60), np.tile([1.0, 0.0], 30),
                              np.tile([0.0, 1.0], 30)])  # fmt: skip
    np.savez(good, spikes=np.ones((60, 2)), position=labels)
    for deep in (True, False):  # cluster jobs (deep=False) accept a file rat too
        check_rat("mine", {"source": "file", "path": str(good)}, tmp_path, False, deep=deep)
    bad = tmp_path / "bad.npz"
    np.savez(bad, spikes=np.ones((60, 2)), position=labels[:, :2])
    check_rat("mine", {"source": "file", "path": str(bad)}, tmp_path, False, deep=False)
    with pytest.raises(StudyError, match="'position' must be T x 3"):
        check_rat("mine", {"source": "file", "path": str(bad)}, tmp_path, False, deep=True)
    with pytest.raises(
        StudyError, match="rats.buddy.path: 'path' is only used with 'source: file'"
    ):
        check_rat("buddy", {"source": "cebra", "path": "x.npz"}, tmp_path, False)


def test_a_file_that_is_not_npz_or_joblib_says_so(tmp_path):
    text = tmp_path / "rec.npz"
    text.write_text("spikes,position\n1,2\n")
    with pytest.raises(StudyError, match="is not an npz file"):
        load_file_recording(text)
    garbage = tmp_path / "rec.jl"
    garbage.write_bytes(b"\x00\x01 not a pickle")
    with pytest.raises(StudyError, match="is not a readable joblib file"):
        load_file_recording(garbage)


def test_data_that_gives_little_is_warned_about():
    from cebra_sae.data.recording import Split
    from cebra_sae.data.summary import neuron_count_warning, recording_warnings

    t = 3000
    position = np.abs(np.sin(np.linspace(0, 40, t))) * 1.6
    right = (np.arange(t) // 200) % 2
    labels = np.column_stack([position, right, 1 - right]).astype(float)
    spikes = np.random.default_rng(0).poisson(1.0, size=(t, 12)).astype(float)
    fine = chronological_split(spikes, labels, 0.8)
    assert recording_warnings(fine) == []
    assert neuron_count_warning(12, 10) is None
    assert neuron_count_warning(3, 10).startswith(
        "3 neurons, fewer than posthoc.top_neurons = 10: each latent's neuron score is its best "
        "|r| over only 3 neurons"
    )
    one_way = labels.copy()
    one_way[:, 1], one_way[:, 2] = 1.0, 0.0
    assert any("'left' is never set" in w for w in recording_warnings(
        chronological_split(spikes, one_way, 0.8)))  # fmt: skip
    silent = spikes.copy()
    silent[:, 0] = 0
    assert "1 of 12 neurons never fire" in " ".join(
        recording_warnings(chronological_split(silent, labels, 0.8))
    )
    short = recording_warnings(chronological_split(spikes[:500], labels[:500], 0.8))
    assert short == [  # its last 100 bins (the validation split) all run left
        "500 bins (12.5 s): fewer than 1000; decoding and scores will be noisy.",
        "The validation split has 0 right and 100 left bins (each direction needs >= 20): its "
        "direction accuracy is not testable (NaN in the tables, left out of the claims).",
    ]
    assert isinstance(fine, Split)
