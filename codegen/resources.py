"""Where mcuforge's own files are, in a checkout and in an installed wheel, and where it writes.

Read-only data, shipped beside the Python code:

| directory | in a checkout | in an installed wheel |
|---|---|---|
| `firmware/` (runtime, BSPs, kernels, headers) | `<repo>/firmware` | `<site-packages>/codegen/_data/firmware` |
| `templates/` (Jinja2) | `<repo>/templates` | `codegen/_data/templates` |
| `boards/` (board files) | `<repo>/boards` | `codegen/_data/boards` |
| `pio-platform/` (PlatformIO dev-platform) | `<repo>/pio-platform` | `codegen/_data/pio-platform` |
| `tools/` (the QEMU cycle plugin's C sources) | `<repo>/tools` | `codegen/_data/tools` |

The wheel's build (setup.py) copies the five directories into `codegen/_data/`; this module looks there
first and falls back to the checkout around the package. Nothing else in mcuforge computes these paths.

Written files never go into site-packages:

* the offline PlatformIO core: `<repo>/.platformio` in a checkout; installed,
  `$MCUFORGE_CACHE_DIR/platformio`, else `$XDG_CACHE_HOME/mcuforge/platformio`, else
  `~/.cache/mcuforge/platformio` (seeded on first use);
* the QEMU cycle plugin, built on first use: `<repo>/.cache/qemu-plugin` in a checkout; installed,
  `<cache>/qemu-plugin` beside the PlatformIO core;
* builds: `<repo>/build` in a checkout; installed, `build/` in the current directory
  (`build_dir=`/`-o` options choose another place).
"""

from __future__ import annotations

import os
from pathlib import Path

from codegen.errors import McuforgeError

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "_data"      # the wheel's copy of the data directories
CHECKOUT = PACKAGE_DIR.parent             # the repository root, when running from a checkout
DATA_NAMES = ("firmware", "templates", "boards", "pio-platform", "tools")
CACHE_ENV = "MCUFORGE_CACHE_DIR"


def installed() -> bool:
    """True when running from an installed wheel (its data beside the package), False in a checkout."""
    return PACKAGE_DATA.is_dir()


def data_dir(name: str) -> Path:
    """One of the shipped data directories (`DATA_NAMES`), wherever this copy of mcuforge keeps it."""
    if name not in DATA_NAMES:
        raise ValueError(f"{name!r} is not one of mcuforge's data directories {DATA_NAMES}")
    for root in (PACKAGE_DATA, CHECKOUT):
        if (root / name).is_dir():
            return root / name
    raise McuforgeError(f"mcuforge's {name}/ directory is missing (looked in {PACKAGE_DATA} and {CHECKOUT})",
                        hint="reinstall mcuforge (`pip install .` from a checkout ships it in the wheel)")


def cache_dir() -> Path:
    """Where an installed mcuforge keeps what it writes once for all builds (the PlatformIO core)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = Path(os.environ["XDG_CACHE_HOME"]) if os.environ.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "mcuforge"


def platformio_core_dir() -> Path:
    """The offline PlatformIO core (codegen.pio.core)."""
    return cache_dir() / "platformio" if installed() else CHECKOUT / ".platformio"


def qemu_plugin_dir() -> Path:
    """Where the QEMU cycle plugin is built (codegen.cycles.plugin)."""
    return cache_dir() / "qemu-plugin" if installed() else CHECKOUT / ".cache" / "qemu-plugin"


def build_root() -> Path:
    """The default root of build directories (`<root>/<board>/<model-stem>/`)."""
    return Path.cwd() / "build" if installed() else CHECKOUT / "build"


FIRMWARE_DIR = data_dir("firmware")
TEMPLATES_DIR = data_dir("templates")
BOARDS_DIR = data_dir("boards")
PIO_PLATFORM_DIR = data_dir("pio-platform")
TOOLS_DIR = data_dir("tools")
