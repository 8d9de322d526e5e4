"""The wheels a machine without network access needs to run textml from its source tree: textml's runtime
dependencies, at the versions installed here, less those the machine already has, downloaded for its Python and
platform (a GPU machine's image usually holds PyTorch, transformers and much else already).

    python -m textml.tools.offline_kit --python 3.12 --have have.txt --dest kit
    # there:  python3 -m pip install --no-index --no-deps kit/*.whl  (then PYTHONPATH=src)

`--have` lists what the target has, as `pip freeze` prints it there (`name==version`) or as bare names (taken
as they are, whatever their version). A package it has at another version than textml's pin travels, so that
the pins hold. textml itself does not travel: its source tree does, with the generated gRPC modules
(src/textml/protos/*_pb2*.py, which `pip install -e .` writes). Pure-Python packages published only as
source are built into wheels here. Prints each wheel with its size, the total and the largest file.
"""

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from rich.console import Console
from rich.progress import track

ROOT = "textml"
# Wheels for x86-64 Linux, newest glibc first: pip matches each manylinux tag exactly.
PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_5_x86_64",
    "manylinux1_x86_64",
)


def runtime_closure(root: str = ROOT, python: str = "3.11") -> dict[str, str]:
    """Every distribution `root` needs at run time (its extras left out), by normalized name, with the version
    installed here; requirement markers are evaluated for the target's Python version. One that only the target's
    Python needs, not installed here, has no version."""
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    found: dict[str, str] = {}
    expanded: dict[str, set[str]] = {}
    todo = [(root, "")]
    while todo:
        name, extra = todo.pop()
        key = canonicalize_name(name)
        if extra in expanded.setdefault(key, set()):
            continue
        expanded[key].add(extra)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            found.setdefault(key, "")  # only the target's Python needs it: its newest release travels
            continue
        found[key] = distribution.version
        for line in distribution.requires or []:
            requirement = Requirement(line)
            # Under an extra, a requirement of the package's own (no marker) holds as well: already followed.
            if requirement.marker and not requirement.marker.evaluate({**environment, "extra": extra}):
                continue
            todo.append((requirement.name, ""))
            todo.extend((requirement.name, wanted) for wanted in requirement.extras)
    del found[canonicalize_name(root)]
    return found


def parse_have(lines: list[str]) -> dict[str, str | None]:
    """`pip freeze` lines or bare names: name -> version (None: any)."""
    have: dict[str, str | None] = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, _, version = line.partition("==")
        have[canonicalize_name(name.split("@", 1)[0].strip())] = version.strip() or None
    return have


def to_carry(needed: dict[str, str], have: dict[str, str | None]) -> dict[str, str]:
    """What the target lacks, or has at another version than the one pinned here."""
    return {
        name: version
        for name, version in sorted(needed.items())
        if name not in have or (have[name] is not None and version and have[name] != version)
    }


@dataclass
class Fetched:
    requirement: str
    path: Path | None
    how: str  # "wheel", "built here" or why it failed


def fetch(requirement: str, dest: Path, python: str) -> Fetched:
    """The target's wheel from the index; else, for a project published only as source, a wheel built here
    (usable there only when it is pure Python: py3-none-any)."""
    platforms = [option for platform in PLATFORMS for option in ("--platform", platform)]
    pip = [sys.executable, "-m", "pip", "--quiet"]
    with tempfile.TemporaryDirectory() as folder:
        target = ["--python-version", python, "--implementation", "cp", *platforms, "-d", folder, requirement]
        if subprocess.run(
            [*pip, "download", "--no-deps", "--only-binary=:all:", *target], capture_output=True
        ).returncode:
            built = subprocess.run(
                [*pip, "wheel", "--no-deps", "-w", folder, requirement], capture_output=True, text=True
            )
            how = "built here" if not built.returncode else f"no wheel, and building one failed: {built.stderr[-200:]}"
        else:
            how = "wheel"
        wheels = list(Path(folder).glob("*.whl"))
        if not wheels:
            return Fetched(requirement, None, how)
        if how == "built here" and not wheels[0].name.endswith(("-py3-none-any.whl", "-py2.py3-none-any.whl")):
            return Fetched(requirement, None, f"published as source only, and not pure Python ({wheels[0].name})")
        path = dest / wheels[0].name
        path.write_bytes(wheels[0].read_bytes())
        return Fetched(requirement, path, how)


# Joins the pieces of a cut wheel (in order) after the parts are copied into one folder; nothing where none was cut.
# (benchmarks/gpu/run.sh runs the same line before anything is installed.)
JOIN = (
    'for w in *.piece01; do [ -e "$w" ] || continue; w="${w%.piece01}"; '
    'cat "$w".piece?? > "$w" && rm "$w".piece??; done'
)


def pack(wheels: list[Path], dest: Path, most: int) -> list[Path]:
    """The wheels, biggest first, in folders part1, part2... of at most `most` bytes each (first fit); a wheel
    bigger than that is cut into pieces first. Returns the folders."""
    pieces: list[tuple[str, bytes | Path, int]] = []
    for wheel in wheels:
        size = wheel.stat().st_size
        if size <= most:
            pieces.append((wheel.name, wheel, size))
            continue
        data = wheel.read_bytes()
        for number, start in enumerate(range(0, size, most), 1):
            chunk = data[start : start + most]
            pieces.append((f"{wheel.name}.piece{number:02d}", chunk, len(chunk)))
    room: list[int] = []
    folders: list[Path] = []
    for name, content, size in sorted(pieces, key=lambda piece: -piece[2]):
        index = next((i for i, left in enumerate(room) if size <= left), None)
        if index is None:
            index = len(room)
            room.append(most)
            folders.append(dest / f"part{index + 1}")
            folders[index].mkdir(exist_ok=True)
        room[index] -= size
        target = folders[index] / name
        target.write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    return folders


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m textml.tools.offline_kit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default="3.12", help="the target's Python version (default 3.12)")
    parser.add_argument("--have", type=Path, help="what the target has: `pip freeze` output, or one name a line")
    parser.add_argument("--dest", type=Path, default=Path("kit"), help="the folder the wheels go to (default kit)")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="REQUIREMENT",
        help="one more requirement to carry, e.g. nvidia-cublas-cu12 for CTranslate2 on a machine with CUDA 13 only",
    )
    parser.add_argument(
        "--part-mb",
        type=float,
        help="also pack the wheels into folders part1, part2... of at most this many MB each, for a way in that "
        "takes only so much at a time; a larger wheel is cut into pieces (.piece01, .piece02...), joined by `cat`",
    )
    parser.add_argument("--list", action="store_true", help="print what would travel and download nothing")
    args = parser.parse_args(argv)

    have = parse_have(args.have.read_text().splitlines()) if args.have else {}
    carried = to_carry(runtime_closure(python=args.python), have)
    requirements = [f"{name}=={version}" if version else name for name, version in carried.items()] + args.also
    if args.list:
        print("\n".join(requirements))
        return 0
    args.dest.mkdir(parents=True, exist_ok=True)
    fetching = track(requirements, description="fetching wheels", console=Console(stderr=True), transient=True)
    results = [fetch(requirement, args.dest, args.python) for requirement in fetching]
    fetched = sorted((r for r in results if r.path), key=lambda r: -r.path.stat().st_size)
    print("| wheel | MB | how |\n|---|---|---|")
    for result in fetched:
        print(f"| {result.path.name} | {megabytes(result.path.stat().st_size)} | {result.how} |")
    total = sum(r.path.stat().st_size for r in fetched)
    largest = fetched[0] if fetched else None
    print(
        f"\n{len(fetched)} wheels in {args.dest}, {megabytes(total)} MB"
        + (f"; the largest {largest.path.name}, {megabytes(largest.path.stat().st_size)} MB" if largest else "")
    )
    if args.part_mb:
        parts = pack([r.path for r in fetched], args.dest, int(args.part_mb * 1e6))
        print(f"in {len(parts)} parts of at most {args.part_mb:g} MB: {', '.join(str(p) for p in parts)}")
        print(f"there: {JOIN}")
    failed = [r for r in results if not r.path]
    for result in failed:
        print(f"not fetched: {result.requirement}: {result.how}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
