#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""qemu-jit.py - sample qemu's translator while `make bench` runs (BENCH_JIT=1).

    qemu-jit.py SOCKET INTERVAL OUT

Connects to the QMP socket of the bench guest's qemu (-qmp unix:SOCKET,...)
and, every INTERVAL seconds until qemu goes away, appends one line to OUT:

    SECONDS CODE_BYTES TBS FLUSHES

the host's time, the bytes of translated code in qemu's code buffer, the
translation blocks in it and how many times the buffer was flushed (full:
everything is translated again), as qemu's x-query-jit reports them.  The
code buffer growing while fio runs is qemu translating guest code it has
not seen, time the guest's I/O path does not get.
"""
import json
import re
import socket
import sys
import time

FIELDS = {
    "code": re.compile(r"gen code size\s+(\d+)"),
    "tbs": re.compile(r"^TB count\s+(\d+)", re.M),
    "flushes": re.compile(r"TB flush count\s+(\d+)"),
}


def connect(path, wait_s=300):
    """The socket, once qemu has created it (it starts after this script)."""
    end = time.monotonic() + wait_s
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.5)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    path, every, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    try:
        f = connect(path).makefile("rw")
    except OSError as e:
        sys.exit(f"qemu-jit: {path}: {e}")

    def call(cmd):
        f.write(json.dumps({"execute": cmd}) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise EOFError
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                return reply

    try:
        f.readline()  # the greeting
        call("qmp_capabilities")
        with open(out, "a") as o:
            while True:
                reply = call("x-query-jit")
                text = reply.get("return", {}).get("human-readable-text", "")
                got = {k: r.search(text) for k, r in FIELDS.items()}
                if not all(got.values()):
                    sys.exit(f"qemu-jit: x-query-jit: unexpected reply {str(reply)[:200]}")
                o.write("%d %s %s %s\n" % (time.time(), got["code"][1], got["tbs"][1],
                                           got["flushes"][1]))
                o.flush()
                time.sleep(every)
    except (EOFError, OSError, ValueError):
        pass  # qemu has exited


if __name__ == "__main__":
    main()
