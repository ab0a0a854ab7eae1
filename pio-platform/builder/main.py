"""PlatformIO build script for mcuforge projects.

Everything specific comes from the generated project: `custom_mcuforge_*` options in platformio.ini
(sources, include dirs, compile and link flags, the upload command line, all computed by mcuforge's
Python code from board data) and `build.mcuforge_toolchain` in the board manifest. The upload command
of another protocol than the board's default arrives in $MCUFORGE_UPLOAD_COMMAND
(codegen/hil/flash/): this script knows no flash tool.
"""

import os
import sys

from SCons.Script import AlwaysBuild, Builder, Default, DefaultEnvironment  # pylint: disable=import-error

env = DefaultEnvironment()
board = env.BoardConfig()


def _opt(name, default=""):
    return env.GetProjectOption("custom_mcuforge_" + name, default)


def _lines(name):
    return [x.strip() for x in _opt(name).splitlines() if x.strip()]


def _gnu_tools(prefix, progsuffix):
    """The GNU tools of one toolchain: `arm-none-eabi-gcc`, `aarch64-linux-gnu-gcc`, or the build
    machine's own `gcc` (prefix "")."""
    return dict(AR=prefix + "gcc-ar", AS=prefix + "as", CC=prefix + "gcc", CXX=prefix + "g++", GDB=prefix + "gdb",
                OBJCOPY=prefix + "objcopy", RANLIB=prefix + "gcc-ranlib", SIZETOOL=prefix + "size",
                PROGSUFFIX=progsuffix)


# "host": the build machine's gcc; any other value is a GNU triplet (arm-none-eabi, aarch64-linux-gnu)
toolchain = board.get("build.mcuforge_toolchain", "arm-none-eabi")
hosted = bool(board.get("build.mcuforge_hosted", toolchain == "host"))  # a program under an OS: no flash image
tools = _gnu_tools("" if toolchain == "host" else toolchain + "-", "" if hosted else ".elf")
toolchain_dir = env.PioPlatform().get_package_dir("toolchain-gccarmnoneeabi") if not hosted else None
if toolchain_dir:
    env.PrependENVPath("PATH", os.path.join(toolchain_dir, "bin"))
env.Replace(LINK=tools["CC"], **tools)
env.Replace(PROGNAME="firmware", SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES")

cflags = _lines("cflags")
ldflags = _lines("ldflags")
env.Replace(CCFLAGS=cflags, CFLAGS=[], ASFLAGS=cflags, LINKFLAGS=ldflags, CPPDEFINES=[],
            CPPPATH=_lines("includes"), LIBS=_lines("libs"))

for i, src in enumerate(_lines("sources")):
    obj_dir = os.path.join("$BUILD_DIR", "mcuforge", os.path.basename(os.path.dirname(src)))
    env.Append(PIOBUILDFILES=env.Object(os.path.join(obj_dir, os.path.splitext(os.path.basename(src))[0] + ".o"),
                                        src))

program = env.BuildProgram()
targets = [program]
if not hosted:
    env.Append(BUILDERS=dict(
        ElfToBin=Builder(action=env.VerboseAction("$OBJCOPY -O binary $SOURCES $TARGET", "Building $TARGET"),
                         suffix=".bin"),
        ElfToHex=Builder(action=env.VerboseAction("$OBJCOPY -O ihex $SOURCES $TARGET", "Building $TARGET"),
                         suffix=".hex")))
    targets += [env.ElfToBin(os.path.join("$BUILD_DIR", "firmware"), program),
                env.ElfToHex(os.path.join("$BUILD_DIR", "firmware"), program)]
Default(targets)


# --- upload: the command line mcuforge computed from the board's [upload] data --------------------
def _no_upload(target, source, env):  # noqa: ARG001 - SCons action signature
    sys.stderr.write("this board has no upload tool: its board file has no [upload] table\n")
    return 1


upload_command = os.environ.get("MCUFORGE_UPLOAD_COMMAND") or _opt("upload_command")
if upload_command:
    env.Replace(UPLOADCMD=upload_command)
    upload_action = env.VerboseAction("$UPLOADCMD", "Uploading")
else:
    upload_action = _no_upload
AlwaysBuild(env.Alias("upload", targets, upload_action))
