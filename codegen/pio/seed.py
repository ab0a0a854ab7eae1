"""`python -m codegen.pio.seed`: create or refresh the offline PlatformIO core (used by setup.sh)."""

from __future__ import annotations

import sys

from codegen.errors import McuforgeError
from codegen.pio.core import ensure_core


def main() -> int:
    try:
        core, changed = ensure_core()
    except McuforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"PlatformIO core {core.core_dir}: {'seeded' if changed else 'up to date'} "
          f"(tool-scons from pip's SCons, Debian arm-none-eabi toolchain, platform {core.platform_dir.name}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
