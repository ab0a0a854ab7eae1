"""Board farms on labgrid: places acquired and locked through a labgrid coordinator (gRPC), the
firmware put on them through an mcuforge agent beside the exporter, the console reached through the
place's ``NetworkSerialPort`` (RFC 2217, ser2net).

* :mod:`.places`: the typed view of a place (tags, lock holder, serial port, agent) and the checks
  a run makes on it (its board, a serial port);
* :mod:`.client`: labgrid's client session, driven from a thread of its own: connect, find, acquire,
  release, every wait bounded, every failure an McuforgeError saying what to do;
* :mod:`.agent`: the agent an exporter host runs per place (``python -m codegen.hil.farm.agent``):
  QEMU for an emulated place, the board's flash tool for a real one, ser2net in front of the console;
* the driver is :mod:`codegen.hil.drivers.labgrid` (``target=labgrid place=NAME``).
"""
