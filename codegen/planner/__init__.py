"""Static memory planning: every activation gets a fixed offset in one arena at build time."""

from codegen.planner.arena import ArenaPlan, Buffer, plan_arena

__all__ = ["ArenaPlan", "Buffer", "plan_arena"]
