"""The ``cebra-sae`` command's help is plain text: no reST markup reaches the terminal."""

import re

import pytest

from cebra_sae.cli import main

MARKUP = re.compile(r"``|:(func|mod|class|meth|data|attr|obj|ref):`")


@pytest.mark.parametrize("argv", [["--help"], ["check-config", "--help"]])
def test_help_is_plain_text(argv, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps to the terminal's width
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "usage: cebra-sae" in text
    assert "``" not in text and ":func:" not in text and ":mod:" not in text
    assert not MARKUP.search(text), MARKUP.search(text)
    assert max(map(len, text.splitlines())) < 80  # fits a terminal as written


def test_command_help_says_what_it_checks(capsys):
    with pytest.raises(SystemExit):
        main(["check-config", "--help"])
    text = capsys.readouterr().out
    assert "line and column" in text and "config.yaml" in text
    assert "--replace-workflow-config" in text and "exit status" in text
