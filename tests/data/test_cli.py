"""The data CLI: errors are one line on stderr with exit code 2; commands work end to end."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.data import cli

ROOT = Path(__file__).resolve().parents[2]


def test_error_path_prints_one_line_without_traceback(private_cache):
    """As a real process: a missing data set for the gallery and a download with no URL."""
    env = {**os.environ, "DLCOURSE_DATA_DIR": str(private_cache), "PYTHONPATH": str(ROOT)}
    for argv in (["gallery", "galaxy10"], ["download", "signs"]):
        proc = subprocess.run([sys.executable, "-m", "autograder.data", *argv], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=120)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "data synth signs" in lines[0]


def test_corrupt_file_gives_one_line_in_process(tmp_path, capsys, monkeypatch, small_defaults):
    bad = tmp_path / "Galaxy10.h5"
    bad.write_bytes(b"not hdf5")
    monkeypatch.setattr("autograder.data.lookup.real_path", lambda name: bad)
    assert cli.main(["gallery", "galaxy10", "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a readable HDF5 file" in err and "Traceback" not in err


def test_bad_n_is_one_line_error(tmp_path, capsys):
    assert cli.main(["synth", "galaxy10", "--n", "3", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at least 10" in err


def test_no_subcommand_prints_usage_and_returns_2(capsys):
    assert cli.main([]) == 2
    assert "download" in capsys.readouterr().err


def test_add_subcommands_plugs_into_a_parent_parser(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="autograder")
    sub = parser.add_subparsers(dest="command")
    cli.add_subcommands(sub)
    args = parser.parse_args(["data", "synth", "signs", "--n", "12", "--seed", "4", "--out", str(tmp_path)])
    assert args.command == "data" and cli.run(args) == 0
    assert (tmp_path / "train_signs.h5").is_file() and (tmp_path / "test_signs.h5").is_file()
    assert cli.run(parser.parse_args(["data"])) == 2


def test_info_lists_registry_cache_and_presence(private_cache, small_defaults, capsys):
    cli.main(["synth", "mnist"])
    capsys.readouterr()
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert str(private_cache) in out and "969a6b1cefcc" in out
    assert "real data: absent" in out and f"stand-in: {private_cache / 'synthetic' / 'mnist'} (n=100, seed=0)" in out


@pytest.mark.parametrize("name, cols", [("galaxy10", 10), ("signs", 6)])
def test_gallery_of_the_stand_in_is_a_png(tmp_path, small_defaults, name, cols, monkeypatch):
    import autograder.data.gallery as g

    shapes = []
    real_plot = g.plot_grid
    monkeypatch.setattr(g, "plot_grid", lambda images, labels, names, out, **kw: (
        shapes.append((len(names), kw["per_class"])), real_plot(images, labels, names, out, **kw))[1])
    out = tmp_path / "g.png"
    assert cli.main(["gallery", name, "--synthetic", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shapes == [(cols, 3)]


def test_synth_galaxy10_accepts_an_h5_file_path(tmp_path, capsys):
    target = tmp_path / "sub" / "my_galaxies.h5"
    assert cli.main(["synth", "galaxy10", "--n", "20", "--out", str(target)]) == 0
    from autograder.data import load_galaxy10

    assert load_galaxy10(target)[0].shape == (20, 69, 69, 3)
    assert sorted(p.name for p in target.parent.iterdir()) == ["my_galaxies.h5"]
