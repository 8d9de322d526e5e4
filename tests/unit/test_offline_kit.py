"""What travels to a machine without network access: textml's runtime dependencies as installed here, less what
the machine has at the pinned version (or at any version, where it names none)."""

import subprocess
from importlib import metadata

from textml.tools.offline_kit import JOIN, pack, parse_have, runtime_closure, to_carry


def test_the_closure_is_the_runtime_dependencies_at_the_versions_installed_here():
    needed = runtime_closure(python="3.12")
    assert needed["ray"] == metadata.version("ray")
    assert needed["ctranslate2"] == metadata.version("ctranslate2")
    # ray[serve] is followed into its extra, and what that extra needs, down the tree
    assert {"fastapi", "uvicorn", "starlette", "pydantic", "pydantic-core"} <= set(needed)
    # textml itself runs from its source tree, and its test and bench extras stay home
    assert "textml" not in needed
    assert not {"pytest", "ruff", "selenium", "matplotlib"} & set(needed)


def test_a_package_the_target_has_stays_home_unless_its_version_differs():
    have = parse_have(["# pip freeze", "ray==2.60.0", "Transformers==5.17.0", "numpy", "", "-e git+https://x#egg=y"])
    assert have == {"ray": "2.60.0", "transformers": "5.17.0", "numpy": None}
    needed = {"ray": "2.60.0", "transformers": "5.24.0", "numpy": "2.4.6", "ctranslate2": "4.8.5"}
    assert to_carry(needed, have) == {"transformers": "5.24.0", "ctranslate2": "4.8.5"}


def test_parts_hold_at_most_their_size_and_a_cut_wheel_joins_whole(tmp_path):
    sizes = {"big.whl": 250, "a.whl": 90, "b.whl": 60, "c.whl": 40, "d.whl": 10}
    wheels = []
    for name, size in sizes.items():
        wheels.append(tmp_path / name)
        wheels[-1].write_bytes(bytes(range(256))[:size] if name != "big.whl" else bytes(i % 251 for i in range(size)))
    parts = pack(wheels, tmp_path, 100)
    for part in parts:
        assert sum(f.stat().st_size for f in part.iterdir()) <= 100
    joined = tmp_path / "joined"
    joined.mkdir()
    for part in parts:
        for file in part.iterdir():
            (joined / file.name).write_bytes(file.read_bytes())
    subprocess.run(["bash", "-c", JOIN], cwd=joined, check=True)
    assert sorted(f.name for f in joined.iterdir()) == sorted(sizes)
    for wheel in wheels:
        assert (joined / wheel.name).read_bytes() == wheel.read_bytes()
    assert len(parts) == 5  # 250 in three pieces (100, 100, 50), then first fit: 90+10, 60+40, 50

    # Where no wheel was cut, joining leaves the folder as it is.
    whole = tmp_path / "whole"
    whole.mkdir()
    (whole / "a.whl").write_bytes(b"a")
    subprocess.run(["bash", "-c", JOIN], cwd=whole, check=True)
    assert [f.name for f in whole.iterdir()] == ["a.whl"]
