"""A CEBRA recording that cannot be downloaded (no internet): one message, with fixes that help.

The download itself is replaced by a failing stand-in (CEBRA's own error on a machine without
network), so these run offline and fast.
"""

import importlib.util
import logging
import sys
import types
from pathlib import Path

import pytest

from cebra_sae.data.sources import load_cebra_recording, missing_recording_message
from cebra_sae.errors import StudyError

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_download_on_never_says_set_download_true(tmp_path):
    message = missing_recording_message("buddy", tmp_path, download=True, cause="no network")
    path = tmp_path / "rat_hippocampus" / "buddy.jl"
    assert message.startswith(f"Recording 'buddy' is missing: expected the file {path}")
    assert "CEBRA could not download it (no network)" in message
    assert "download: true" not in message and "download=True" not in message
    assert f"copy CEBRA's buddy.jl to exactly {path}" in message
    assert "set download: false and point data_dir at a folder" in message
    assert "--config download=False data_dir=" in message
    assert "'source: file'" in message
    assert message.count("Fix:") == 1


def test_download_off_suggests_turning_it_on(tmp_path):
    message = missing_recording_message("buddy", tmp_path, download=False)
    assert "Fix: point data_dir at the folder" in message and "set download: true" in message
    assert "could not download" not in message


def test_failed_download_raises_the_message_with_cebras_reason(tmp_path, monkeypatch):
    cebra_datasets = pytest.importorskip("cebra.datasets")

    def offline(name, root, download):
        raise ConnectionError("Failed to resolve 'cebra.fra1.digitaloceanspaces.com'")

    monkeypatch.setattr(cebra_datasets, "init", offline)
    with pytest.raises(StudyError) as err:
        load_cebra_recording("gatsby", tmp_path, download=True)
    message = str(err.value)
    assert message == missing_recording_message(
        "gatsby",
        tmp_path,
        download=True,
        cause="CEBRA said: Failed to resolve 'cebra.fra1.digitaloceanspaces.com'",
    )
    assert message.index("CEBRA said") < message.index("Fix:")  # the reason, then the fix


def _common():
    spec = importlib.util.spec_from_file_location("common", SCRIPTS / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_rule_error_is_written_once_to_the_log_only(tmp_path, capfd, monkeypatch):
    """Snakemake prints a failed job's log (show-failed-logs in the workflow profile): a rule
    that also printed the error on the console showed every message twice."""
    log = tmp_path / "rule.log"
    # run_rule points stdout, stderr and the root logger at the log: restore them afterwards
    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    monkeypatch.setattr(logging.getLogger(), "handlers", list(logging.getLogger().handlers))
    monkeypatch.setattr(logging.getLogger(), "level", logging.getLogger().level)

    def main(snakemake):
        raise StudyError("Recording 'buddy' is missing: ...")

    with pytest.raises(SystemExit) as exit_:
        _common().run_rule(main, types.SimpleNamespace(log=[str(log)]))
    assert exit_.value.code == 1
    out, err = capfd.readouterr()
    assert "is missing" not in out + err
    assert log.read_text().count("ERROR: Recording 'buddy' is missing") == 1
