"""Command line for the data sets: ``download``, ``synth``, ``info``, ``gallery``.

The main CLI wires it in with::

    sub = parser.add_subparsers(dest="command")
    data_cli.add_subcommands(sub)          # adds "data ..."
    ...
    if args.command == "data":
        return data_cli.run(args)

``python -m autograder.data <subcommand> ...`` runs the same commands without the main CLI.
Failures print one line to stderr (no traceback) and return exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import cache, registry
from .errors import DataError

NAMES = tuple(registry.DATASETS)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the data sub-commands to ``parser`` (the ``data`` parser, or a standalone one)."""
    sub = parser.add_subparsers(dest="data_command", metavar="{download,synth,info,gallery}")
    p = sub.add_parser("download", help="download a real data set into the cache, verified by checksum")
    p.add_argument("name", choices=NAMES)
    p.add_argument("--dir", type=Path, default=None, help="target directory (default: the cache)")
    p.add_argument("--force", action="store_true", help="download again even if present")
    p = sub.add_parser("synth", help="write an offline stand-in with the real on-disk schema")
    p.add_argument("name", choices=NAMES)
    p.add_argument("--n", type=int, default=None, help="number of (training) samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None,
                   help="output directory (default: <cache>/synthetic/<name>)")
    p = sub.add_parser("info", help="show the registry, the cache directory and what is present")
    p.add_argument("--verify", action="store_true", help="also check SHA-256 of present real files")
    p = sub.add_parser("gallery", help="save a PNG grid of examples per class")
    p.add_argument("name", choices=NAMES)
    p.add_argument("--synthetic", action="store_true", help="use the offline stand-in")
    p.add_argument("--out", type=Path, default=None, help="PNG path (default: <name>_<real|synthetic>.png)")
    p.add_argument("--seed", type=int, default=0, help="which examples to pick")
    parser.set_defaults(_data_parser=parser)


def add_subcommands(subparsers) -> argparse.ArgumentParser:
    """Add the ``data`` command (with its sub-commands) to an argparse ``subparsers`` object."""
    parser = subparsers.add_parser("data", help="data sets: download, synth, info, gallery",
                                   description="Data sets: download, offline stand-ins, info, galleries.")
    configure(parser)
    return parser


def _info(verify: bool) -> int:
    from .download import sha256_file
    from .lookup import real_path
    from .synth import VERSIONS, read_meta

    print(f"cache directory: {cache.data_dir()}  (set ${cache.ENV_VAR} to change)")
    for ds in registry.DATASETS.values():
        print(f"\n{ds.name}: {ds.title}; {ds.n_real} samples; source: {ds.source}")
        for f in ds.files:
            extra = f", {f.size} bytes" if f.size else ""
            extra += f", sha256 {f.sha256[:12]}..." if f.sha256 else ""
            print(f"  file {f.name}{extra}")
        real = None
        try:
            real = real_path(ds.name)
            state = f"present at {real}" if real else f"absent (expected in {cache.real_dir(ds.name)})"
        except DataError as e:
            state = f"CORRUPT: {e}"
        print(f"  real data: {state}")
        if verify and real is not None and ds.name != "signs":
            for f in ds.files:
                if f.sha256:
                    ok = sha256_file(cache.real_dir(ds.name) / f.name) == f.sha256
                    print(f"  sha256 of {f.name}: {'OK' if ok else 'MISMATCH (delete it and download again)'}")
        meta = read_meta(cache.synthetic_dir(ds.name))
        if meta:
            stale = "" if meta.get("version") == VERSIONS[ds.name] else " (outdated generator)"
            print(f"  stand-in: {cache.synthetic_dir(ds.name)} (n={meta.get('n')}, seed={meta.get('seed')}){stale}")
        else:
            print(f"  stand-in: none (make one with `{ds.synth_command()}`)")
    return 0


def run(args: argparse.Namespace) -> int:
    """Execute a parsed ``data`` command; return the exit code (0 ok, 2 error, 130 interrupted)."""
    cmd = getattr(args, "data_command", None)
    try:
        if cmd == "download":
            from .download import download_dataset

            path = download_dataset(args.name, args.dir, force=args.force)
            print(f"{args.name}: ready in {path}")
        elif cmd == "synth":
            from .synth import synthesize

            path = synthesize(args.name, args.out, args.n, args.seed)
            print(f"{args.name}: synthetic stand-in written to {path}")
        elif cmd == "info":
            return _info(args.verify)
        elif cmd == "gallery":
            from .gallery import gallery

            path = gallery(args.name, synthetic=args.synthetic, out=args.out, seed=args.seed)
            print(f"gallery saved to {path}")
        else:
            parser = getattr(args, "_data_parser", None)
            if parser is not None:
                parser.print_help(sys.stderr)
            else:
                print("error: choose one of download, synth, info, gallery", file=sys.stderr)
            return 2
    except KeyboardInterrupt:
        print("error: interrupted; no partial file was left behind", file=sys.stderr)
        return 130
    except (DataError, ValueError, OSError) as e:
        print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.data``: the data commands as a standalone program."""
    parser = argparse.ArgumentParser(prog="python -m autograder.data",
                                     description="Data sets: download, offline stand-ins, info, galleries.")
    configure(parser)
    return run(parser.parse_args(argv))
