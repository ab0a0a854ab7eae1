"""USB discovery: the serial ports of attached boards of one kind, found by the USB VID/PID pairs in
the board file's ``[upload] usb`` list (pyserial's port listing)."""

from __future__ import annotations

from codegen.boards import Board


def detect_ports(board: Board) -> list[str]:
    """Serial ports of attached boards of this kind (by the USB VID/PID in the board file)."""
    if not board.upload or not board.upload.usb:
        return []
    from serial.tools import list_ports
    ids = {(u.vid, u.pid) for u in board.upload.usb}
    return [p.device for p in list_ports.comports() if (p.vid, p.pid) in ids]


def usb_ids(board: Board) -> str:
    """The board's USB ids as `vid:pid, ...` for messages ("?" when the board file lists none)."""
    if not board.upload or not board.upload.usb:
        return "?"
    return ", ".join(f"{u.vid:04x}:{u.pid:04x}" for u in board.upload.usb)
