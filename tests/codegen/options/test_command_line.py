"""The scons option table parsed in-process: typed records out, every problem named at once, the
records' own defaults for what was not given, and `scons -h` from the same table."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.errors import McuforgeError
from codegen.kernels import KernelVariant
from codegen.options import BuildOptions, Command, MemoryMode, RunOptions, TargetKind, ValidateOptions
from codegen.options.command_line import (OPTIONS, help_text, parse_command_line, run_target_options,
                                          target_options)
from support.paths import DEFAULT_MODEL


def parse(args: dict, *targets: str):
    return parse_command_line(args, list(targets), DEFAULT_MODEL)


def test_defaults_are_the_records_defaults():
    line = parse({})
    assert line.commands == (Command.BUILD,) and line.board == "stm32l475" and line.model == DEFAULT_MODEL
    assert line.build == BuildOptions() and line.run == RunOptions() and line.validate == ValidateOptions()
    assert line.compare is None and line.build_dir is None


def test_values_are_typed():
    line = parse({"n": "3", "kernels": "reference", "int8_io": "yes", "target": "emulator", "timeout": "2.5",
                  "stack": "0x2000", "sample": "4"}, "run")
    assert line.build == BuildOptions(int8_io=True, kernels=KernelVariant.REFERENCE, stack_size=8192)
    assert line.run.n == 3 and line.run.sample == 4 and line.run.target.target is TargetKind.EMULATOR
    assert line.run.target.timeout == 2.5 and line.validate.target == line.run.target


def test_memory_option():
    assert parse({"memory": "ram"}).build.memory is MemoryMode.RAM
    assert parse({}).build.memory is MemoryMode.BALANCED
    with pytest.raises(McuforgeError) as e:
        parse({"memory": "low"})
    assert "memory=low" in e.value.message and "ram|balanced|speed" in e.value.message


def test_every_problem_is_named_at_once():
    with pytest.raises(McuforgeError) as e:
        parse({"n": "0", "int8io": "1", "samples": "5"}, "run")
    msg = e.value.message
    assert msg.startswith("3 problems on the command line") and "did you mean int8_io=?" in msg
    assert "n=0: out of range" in msg and "samples= is not an option of `scons run`" in msg


def test_compare_job_and_run_keys():
    line = parse({"variants": "f32=a.tflite,b.tflite:int8io", "data": str(DEFAULT_MODEL.with_suffix(".samples.npz")),
                  "n": "4", "target": "emulator"}, "compare")
    job = line.compare
    assert [v.name for v in job.variants] == ["f32", "b"] and job.variants[1].int8_io
    assert job.options.n == 4 and job.options.samples == 100 and job.options.target.target is TargetKind.EMULATOR
    assert target_options([("port", "/dev/ttyACM0"), ("flash", "0")]).flash is False
    with pytest.raises(McuforgeError, match="did you mean timeout="):
        target_options([("timout", "3")])
    assert run_target_options(["target=emulator", "flash=0"]) == target_options([("target", "emulator"), ("flash", "0")])
    with pytest.raises(McuforgeError, match="--run emulator: expected KEY=VALUE"):
        run_target_options(["emulator"])


def test_paths_and_targets():
    with pytest.raises(McuforgeError, match="unknown command `rnu`: did you mean `run`?"):
        parse({}, "rnu")
    assert parse({}, str(Path("build") / "x" / "report.json")).commands == (Command.BUILD,)


def test_help_has_every_option_and_command():
    text = help_text()
    assert all(f"{o.name}=<" in text for o in OPTIONS) and all(f"  {c.value} " in text for c in Command)


def test_labgrid_place_and_coordinator():
    line = parse({"place": "lab-l475", "coordinator": "lab:20408"}, "test")
    reach = line.validate.target
    assert reach.target is TargetKind.LABGRID and reach.place == "lab-l475" and reach.coordinator == "lab:20408"
    assert parse({"target": "labgrid"}, "run").run.target.place is None  # $LG_PLACE or the hardware map's
    with pytest.raises(McuforgeError) as e:
        parse({"place": "lab-l475", "target": "emulator"}, "run")
    assert "place= is for labgrid places; target=emulator does not use it" in e.value.message
    with pytest.raises(McuforgeError, match="not an option of a build"):
        parse({"place": "lab-l475"})


def test_bench_on_a_labgrid_place():
    reach = parse({"place": "lab-l475", "coordinator": "lab:20408"}, "bench").run.target
    assert reach.target is TargetKind.LABGRID and reach.place == "lab-l475" and reach.coordinator == "lab:20408"
    assert parse({}, "bench").run.target.place is None  # the emulated cores, BENCHMARKS.md
    with pytest.raises(McuforgeError) as e:
        parse({"coordinator": "lab:20408"}, "bench")
    assert "only with place=" in e.value.message and "scons bench place=NAME" in e.value.hint
    with pytest.raises(McuforgeError, match="port= is not an option of `scons bench`"):
        parse({"place": "lab-l475", "port": "/dev/ttyACM0"}, "bench")
    assert target_options([("place", "lab-l475")]).place == "lab-l475"  # compare --run place=...
