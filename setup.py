"""setuptools glue for what pyproject.toml cannot say: the wheel carries mcuforge's data directories
(firmware/, templates/, boards/, pio-platform/, tools/) inside the package, as codegen/_data/<name>/, where
codegen/resources.py finds them. Everything else about the package is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("firmware", "templates", "boards", "pio-platform", "tools")  # codegen.resources.DATA_NAMES


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's directories
        target = Path(self.build_lib) / "codegen" / "_data"
        for name in DATA:
            if (target / name).exists():
                shutil.rmtree(target / name)
            shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


# setuptools builds in the source tree: keep its files out of build/ (the firmware builds)
setup(cmdclass={"build_py": BuildPyWithData}, options={"build": {"build_base": ".cache/setuptools"}})
