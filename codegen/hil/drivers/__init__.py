"""The drivers, one module each; every module registers its driver in :mod:`codegen.hil.registry`.

A driver implements one way of reaching a target (labgrid's driver layer): ``applies`` (from board
data and the request, never board names), ``flash``, ``start`` (a :class:`codegen.hil.records.Session`)
and ``stop``. The strategy (:mod:`codegen.hil.strategy`) calls them; drivers never import it.
"""
