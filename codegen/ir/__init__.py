"""The typed graph IR every pass, the planner and the emitter work on."""

from codegen.ir.dtypes import DType
from codegen.ir.graph import Graph, Operator, Quant, Subgraph, Tensor

__all__ = ["DType", "Graph", "Operator", "Quant", "Subgraph", "Tensor"]
