"""Each export format consumed as its users would: a small project built against it with the format's
own tool, running the README's example. CMake with the host compiler (add_subdirectory) and with
arm-none-eabi through a toolchain file (find_package); a PlatformIO project with the library in lib/,
offline with mcuforge's platform, for the host and cross-compiled for the STM32L475; the Arduino layout checked against the library specification and
compiled as the Arduino builder does; the zip's Makefile. Host programs run bit-exact with TFLM."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.export.formats import ExportFormat
from codegen.export.library import plan_library
from codegen.export.writer import export_library
from codegen.export.library import Library
from codegen.kernels import KernelVariant
from codegen.pio.core import core
from codegen.pio.runner import pio_executable
from codegen.resources import PIO_PLATFORM_DIR
from support.export_consumer import check_bit_exact, program, readme_example
from support.netguard import offline_environ
from support.paths import DEFAULT_MODEL

ARM = "arm-none-eabi-"
needs_arm = pytest.mark.skipif(shutil.which(ARM + "gcc") is None, reason="arm-none-eabi-gcc missing (run ./setup.sh)")
needs_cmake = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake missing (run ./setup.sh)")
STRICT = "-Wall -Wextra -Werror"


def _run(cmd: list[str], cwd: Path | None = None, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)
    assert res.returncode == 0, f"{' '.join(cmd)}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def _library(board: str) -> Library:
    return plan_library(DEFAULT_MODEL, load_board(board))


def _arm_attributes(elf: Path) -> str:
    return _run([ARM + "readelf", "-A", str(elf)]).stdout


def _uses_the_dsp_loops(elf: Path) -> None:
    """The dsp convolution is linked and calls its assembly loop (mf_conv2d_s8_pairs.S), which uses SMLAD:
    the library's .S files were assembled for the core (not to nothing) and linked."""
    conv = _run([ARM + "objdump", "-d", "--disassemble=mf_conv2d_s8", str(elf)]).stdout
    assert "<mf_conv2d_s8_pairs>" in conv, "the dsp convolution kernel should call its assembly loop"
    loop = _run([ARM + "objdump", "-d", "--disassemble=mf_conv2d_s8_pairs", str(elf)]).stdout
    assert "smlad" in loop, "the convolution's assembly loop should be linked and use SMLAD"


@needs_cmake
def test_cmake_package_with_the_host_compiler(tmp_path):
    lib = _library("host")
    exp = export_library(lib, ExportFormat.CMAKE, tmp_path / "app" / "digits_cnn")
    (tmp_path / "app" / "main.c").write_text(program(exp.root / "README.md", lib.compiled))
    (tmp_path / "app" / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(app C)\n"
        "add_subdirectory(digits_cnn)\n"
        "add_executable(app main.c)\n"
        "target_link_libraries(app PRIVATE mcuforge::digits_cnn)\n")
    build = tmp_path / "build"
    _run(["cmake", "-S", str(tmp_path / "app"), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
          f"-DCMAKE_C_FLAGS={STRICT}"])
    _run(["cmake", "--build", str(build)])
    check_bit_exact(build / "app", DEFAULT_MODEL, lib.compiled)


@needs_cmake
@needs_arm
def test_cmake_package_cross_compiled_for_the_cortex_m4(tmp_path):
    """find_package with a toolchain file: the INTERFACE target gives the consumer's own code the
    core's flags (hard-float ABI, ARMv7E-M), and the library's dsp kernels use the DSP extension."""
    lib = _library("stm32l475")
    assert lib.variant == KernelVariant.DSP
    exp = export_library(lib, ExportFormat.CMAKE, tmp_path / "pkg" / "digits_cnn")
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(program(exp.root / "README.md", lib.compiled))
    (app / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(app C)\n"
        "find_package(digits_cnn CONFIG REQUIRED)\n"
        "add_executable(app main.c)\n"
        "target_link_libraries(app PRIVATE mcuforge::digits_cnn)\n"
        "target_link_options(app PRIVATE --specs=nano.specs --specs=nosys.specs)\n")
    toolchain = tmp_path / "arm-none-eabi.cmake"
    toolchain.write_text("set(CMAKE_SYSTEM_NAME Generic)\nset(CMAKE_SYSTEM_PROCESSOR arm)\n"
                         f"set(CMAKE_C_COMPILER {ARM}gcc)\nset(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)\n")
    build = tmp_path / "build"
    _run(["cmake", "-S", str(app), "-B", str(build), f"-DCMAKE_TOOLCHAIN_FILE={toolchain}",
          f"-Ddigits_cnn_DIR={exp.root}", "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_C_FLAGS={STRICT}"])
    _run(["cmake", "--build", str(build)])
    elf = build / "app"
    attrs = _arm_attributes(elf)
    assert 'Tag_CPU_name: "7E-M"' in attrs and "Tag_ABI_VFP_args: VFP registers" in attrs, attrs
    main_obj = build / "CMakeFiles" / "app.dir" / "main.c.obj"  # .obj: a Generic system
    assert "Tag_ABI_VFP_args: VFP registers" in _arm_attributes(main_obj)  # the consumer's code got the flags
    _uses_the_dsp_loops(elf)


def test_platformio_library_offline_with_mcuforges_platform(tmp_path):
    lib = _library("host")
    project = tmp_path / "project"
    exp = export_library(lib, ExportFormat.PLATFORMIO, project / "lib" / "digits_cnn")
    (project / "src").mkdir()
    (project / "src" / "main.c").write_text(program(exp.root / "README.md", lib.compiled))
    (project / "boards").mkdir()
    (project / "boards" / "host.json").write_text(
        '{"name": "Host", "vendor": "-", "url": "", "frameworks": [],\n'
        ' "build": {"mcuforge_toolchain": "host", "cpu": "host", "mcu": "host", "f_cpu": "0L"},\n'
        ' "upload": {"maximum_size": 0, "maximum_ram_size": 0, "protocol": ""}}\n')
    (project / "platformio.ini").write_text(
        f"[platformio]\nboards_dir = boards\n\n[env:host]\nplatform = {PIO_PLATFORM_DIR}\nboard = host\n"
        "custom_mcuforge_cflags =" + "".join(f"\n    {f}" for f in ("-std=c99", "-O2", *STRICT.split())) +
        "\ncustom_mcuforge_libs = m\n")
    env, log = offline_environ(tmp_path / "guard")
    _run([pio_executable(), "run", "-d", str(project), "-e", "host"], env=env, timeout=600)
    assert not log.exists() or log.read_text() == "", f"network use: {log.read_text()}"
    check_bit_exact(project / ".pio" / "build" / "host" / "firmware", DEFAULT_MODEL, lib.compiled)


@needs_arm
def test_platformio_library_cross_compiled_for_the_stm32l475(tmp_path):
    """The STM32L475 export in a PlatformIO project built with arm-none-eabi by mcuforge's platform
    (the offline toolchain package): the library's sources get the project's core flags, and its
    dsp kernels use the DSP extension."""
    lib = _library("stm32l475")
    project = tmp_path / "project"
    exp = export_library(lib, ExportFormat.PLATFORMIO, project / "lib" / "digits_cnn")
    (project / "src").mkdir()
    (project / "src" / "main.c").write_text(program(exp.root / "README.md", lib.compiled))
    (project / "boards").mkdir()
    (project / "boards" / "l475.json").write_text(
        '{"name": "L475", "vendor": "-", "url": "", "frameworks": [],\n'
        ' "build": {"mcuforge_toolchain": "arm-none-eabi", "cpu": "cortex-m4", "mcu": "stm32l475", "f_cpu": "80000000L"},\n'
        ' "upload": {"maximum_size": 1048576, "maximum_ram_size": 131072, "protocol": ""}}\n')
    flags = "".join(f"\n    {f}" for f in lib.core_flags)
    (project / "platformio.ini").write_text(
        f"[platformio]\nboards_dir = boards\n\n[env:l475]\nplatform = {PIO_PLATFORM_DIR}\n"
        f"platform_packages = toolchain-gccarmnoneeabi@symlink://{core().toolchain_dir}\nboard = l475\n"
        "custom_mcuforge_cflags =" + flags + "".join(f"\n    {f}" for f in ("-std=c99", "-Os", *STRICT.split())) +
        "\ncustom_mcuforge_ldflags =" + flags + "\n    --specs=nano.specs\n    --specs=nosys.specs" +
        "\ncustom_mcuforge_libs = m\n")
    env, log = offline_environ(tmp_path / "guard")
    _run([pio_executable(), "run", "-d", str(project), "-e", "l475"], env=env, timeout=600)
    assert not log.exists() or log.read_text() == "", f"network use: {log.read_text()}"
    elf = project / ".pio" / "build" / "l475" / "firmware.elf"
    attrs = _arm_attributes(elf)
    assert 'Tag_CPU_name: "7E-M"' in attrs and "Tag_ABI_VFP_args: VFP registers" in attrs, attrs
    kernel_obj = next((project / ".pio" / "build" / "l475").rglob("digits_cnn/kernels/dsp/mf_conv2d_s8.o"))
    assert "Tag_ABI_VFP_args: VFP registers" in _arm_attributes(kernel_obj)  # the library got the project's flags
    _uses_the_dsp_loops(elf)


ARDUINO_FIELDS = ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url",
                  "architectures")
ARDUINO_CATEGORIES = {"Display", "Communication", "Signal Input/Output", "Sensors", "Device Control", "Timing",
                      "Data Storage", "Data Processing", "Other"}


def _properties(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"library.properties: line without '=': {line!r}"  # the IDE refuses such a file
        out[key] = value
    return out


def _arduino_sources(root: Path) -> list[Path]:
    """What the Arduino builder compiles in a library of the 1.5 format: every C and assembly file under src/."""
    return sorted(p for p in (root / "src").rglob("*") if p.suffix in (".c", ".S"))


@needs_arm
def test_arduino_library_layout_and_build(tmp_path):
    """The 1.5 library format (rev. 2.2): library.properties with every field, sources under src/
    only; compiled as the Arduino builder does (every .c and .S under src/, recursively, with src/ on
    the include path, the core's flags) plus a sketch in C++ that includes the header."""
    lib = _library("stm32l475")
    exp = export_library(lib, ExportFormat.ARDUINO, tmp_path / "libraries" / "digits_cnn")
    root = exp.root
    props = _properties(root / "library.properties")
    assert set(ARDUINO_FIELDS) <= set(props), set(ARDUINO_FIELDS) - set(props)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,62}", props["name"]) and not props["name"].startswith("Arduino")
    assert root.name == props["name"]  # the folder the IDE installs it to
    assert re.fullmatch(r"\d+\.\d+\.\d+", props["version"]) and props["category"] in ARDUINO_CATEGORIES
    assert props["architectures"] == "*"  # the dsp kernels are portable C without the DSP extension
    assert props["includes"] == lib.header and (root / "src" / lib.header).is_file()
    assert all(v for k, v in props.items() if k != "url"), props
    assert not [p for p in root.rglob("*.[ch]") if "src" not in p.relative_to(root).parts]
    (root / "src" / "mcuforge" / "variant.h").read_text().index("#define MF_KERNELS_DSP")
    flags = [*lib.core_flags, "-Os", "-ffunction-sections", "-fdata-sections", *STRICT.split(), f"-I{root / 'src'}"]
    objs = []
    for src in _arduino_sources(root):
        obj = tmp_path / "obj" / (src.relative_to(root).as_posix().replace("/", "_") + ".o")
        obj.parent.mkdir(exist_ok=True)
        lang = ["-x", "assembler-with-cpp"] if src.suffix == ".S" else ["-std=gnu11"]  # the builder's recipes
        _run([ARM + "gcc", *lang, *flags, "-c", str(src), "-o", str(obj)])
        objs.append(obj)
    assert len(objs) == 2 + len(lib.kernels) and any(o.name.endswith(".S.o") for o in objs)
    sketch = tmp_path / "sketch.cpp"
    sketch.write_text(readme_example(root / "README.md") +
                      f"\nint main(void)\n{{\n    static {lib.inputs[0].ctype} in0[{lib.inputs[0].macro}_ELEMENTS];\n"
                      f"    static {lib.outputs[0].ctype} out0[{lib.outputs[0].macro}_ELEMENTS];\n"
                      "    model_setup();\n    return model_run(in0, out0);\n}\n")
    _run([ARM + "g++", "-std=gnu++17", *flags, "-c", str(sketch), "-o", str(tmp_path / "sketch.o")])
    elf = tmp_path / "sketch.elf"
    _run([ARM + "g++", *lib.core_flags, "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections",
          str(tmp_path / "sketch.o"), *map(str, objs), "-lm", "-o", str(elf)])
    assert "digits_cnn_invoke" in _run([ARM + "nm", str(elf)]).stdout
    _uses_the_dsp_loops(elf)
    # architectures=*: the same sources compile for a core without the DSP extension (an Arduino Zero's M0+;
    # the assembly loops assemble to nothing there) and link into a program
    m0_flags = ["-mcpu=cortex-m0plus", "-mthumb", "-Os", *STRICT.split(), f"-I{root / 'src'}"]
    m0 = [tmp_path / "m0" / "sketch.o"]
    m0[0].parent.mkdir()
    _run([ARM + "g++", "-std=gnu++17", *m0_flags, "-c", str(sketch), "-o", str(m0[0])])
    for src in _arduino_sources(root):
        m0.append(tmp_path / "m0" / (src.relative_to(root).as_posix().replace("/", "_") + ".o"))
        _run([ARM + "gcc", *m0_flags, "-c", str(src), "-o", str(m0[-1])])
    _run([ARM + "g++", "-mcpu=cortex-m0plus", "-mthumb", "--specs=nano.specs", "--specs=nosys.specs",
          "-Wl,--gc-sections", *map(str, m0), "-lm", "-o", str(tmp_path / "m0.elf")])
    assert "mf_conv2d_s8_pairs" not in _run([ARM + "nm", str(tmp_path / "m0.elf")]).stdout  # the C loops run


def test_zip_with_a_makefile_dsp_kernels_on_the_host(tmp_path):
    """The zip of the STM32L475 export (dsp kernels, dsp weight layout) built by its Makefile with
    the host compiler, as the README says: the dsp kernels' portable C is bit-exact too."""
    lib = _library("stm32l475")
    exp = export_library(lib, ExportFormat.ZIP, tmp_path / "dist")
    assert exp.archive == tmp_path / "dist" / "digits_cnn.zip"
    with zipfile.ZipFile(exp.archive) as z:
        names = z.namelist()
        assert all(n.startswith("digits_cnn/") for n in names) and "digits_cnn/Makefile" in names
        z.extractall(tmp_path / "x")
    root = tmp_path / "x" / "digits_cnn"
    _run(["make", "-C", str(root), "CC=gcc", "AR=ar", "CORE_CFLAGS=", f"CFLAGS=-std=c99 -O2 {STRICT}"])
    (tmp_path / "main.c").write_text(program(root / "README.md", lib.compiled))
    _run(["gcc", "-std=c99", *STRICT.split(), f"-I{root / 'include'}", str(tmp_path / "main.c"),
          str(root / "libdigits_cnn.a"), "-lm", "-o", str(tmp_path / "app")])
    check_bit_exact(tmp_path / "app", DEFAULT_MODEL, lib.compiled)
