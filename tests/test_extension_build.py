"""The extension's first build says what it does and how long it takes, compiles with every
core the process may use, and says nothing once built and up to date."""

import os
import re
from pathlib import Path


def test_first_build_announces_itself_and_uses_every_core(monkeypatch, tmp_path, capsys):
    from ops import _extension

    built = []

    def fake_load(**options):
        built.append(options)
        (Path(options["build_directory"]) / f"{options['name']}.so").touch()
        return "loaded"

    monkeypatch.setattr(_extension.cpp_extension, "load", fake_load)
    monkeypatch.setenv("CONVLAB_BUILD_DIR", str(tmp_path))
    monkeypatch.setenv("CONVLAB_CUDA", "0")
    monkeypatch.delenv("MAX_JOBS", raising=False)
    _extension.load_extension()
    cores = len(os.sched_getaffinity(0))
    assert re.search(rf"compiling .* with {cores} parallel jobs: about \d+ min",
                     capsys.readouterr().err)
    assert os.environ["MAX_JOBS"] == str(cores)
    _extension.load_extension()  # built and up to date: nothing to say
    assert capsys.readouterr().err == "" and len(built) == 2
