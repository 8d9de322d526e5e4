"""Generates textml's gRPC modules from src/textml/protos/*.proto at build time.

All metadata lives in pyproject.toml; this file exists only for the build_py hook below.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SRC = Path(__file__).resolve().parent / "src"


class BuildPyWithProtos(build_py):
    """build_py that also runs protoc (grpcio-tools, a build requirement) on the package's .proto files."""

    def run(self):
        super().run()  # first, so a stale copy from src/ cannot overwrite the fresh build_lib output
        # Editable installs (PEP 660) import textml from src/, so the modules go there; otherwise into
        # build_lib, which is what the wheel holds.
        out = SRC if self.editable_mode else Path(self.build_lib)
        import grpc_tools
        from grpc_tools import protoc

        well_known = Path(grpc_tools.__file__).parent / "_proto"  # google/protobuf/*.proto
        for proto in sorted((SRC / "textml" / "protos").glob("*.proto")):
            # -I src makes the modules' names textml.protos.*, so the _pb2_grpc module imports
            # `from textml.protos import text_ml_pb2`.
            args = [
                "grpc_tools.protoc",
                f"-I{SRC}",
                f"-I{well_known}",
                f"--python_out={out}",
                f"--pyi_out={out}",
                f"--grpc_python_out={out}",
                str(proto),
            ]
            if protoc.main(args) != 0:
                raise RuntimeError(f"protoc failed on {proto}")


setup(cmdclass={"build_py": BuildPyWithProtos})
