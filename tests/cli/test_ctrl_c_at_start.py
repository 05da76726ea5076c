"""Ctrl-C in the first moments of a command (while its parser and modules are imported, before
the command's own handling) printed a KeyboardInterrupt traceback; it ends on one line, 130."""

from __future__ import annotations

import napari_sdap.cli.parser as parser
from napari_sdap.cli import main


def test_ctrl_c_while_the_parser_is_built(monkeypatch, capsys):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(parser, "build_parser", interrupted)
    assert main(["info", "m.safetensors"]) == 130
    err = capsys.readouterr().err
    assert err == "error: stopped by the user; nothing was done\n"
