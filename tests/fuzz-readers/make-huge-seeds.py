#!/usr/bin/env python3
"""Writes large recordings for make fuzz-readers' run on huge inputs.

Each takes the harness (about 20 reads, under the sanitizers) well under
its 5 s limit, so the fuzzer can grow them.

usage: make-huge-seeds.py DIR

Each stresses one count a recording controls: mappings in an exec, copies
made by forks, tasks, strings, stack frames, after-images.  They are built
here from memtrace-format(5), not by memtrace's writer, so they also check
that the reader reads what the page says.
"""
import os
import struct
import sys
import zlib

PREAMBLE = b"\x89MEMTRC\n" + bytes([1, 0, 0, 0])
HEADER, STRING, STACK, EXEC, TASK, EXIT, EVENT, END = range(1, 9)
EV_STACK, EV_WINDOW, EV_TID = 1 << 2, 1 << 3, 1 << 4
X86_64_BRK, X86_64_MMAP, X86_64_MUNMAP = 12, 9, 11


def uv(v):
    out = bytearray()
    while True:
        low, v = v & 0x7F, v >> 7
        out.append(low | (0x80 if v else 0))
        if not v:
            return bytes(out)


def sv(v):
    return uv((v << 1) ^ (v >> 63) if v >= 0 else ((-v - 1) << 1) | 1)


def string(s):
    return uv(len(s)) + s


def record(kind, payload):
    head = bytes([kind]) + uv(len(payload))
    return head + payload + struct.pack("<I", zlib.crc32(head + payload))


def header():
    payload = uv(0) + string(b"0.1.0") + uv(0) + uv(0)
    for f in (b"Linux", b"6.1.0", b"#1", b"x86_64"):
        payload += string(f)
    return record(HEADER, payload + uv(1) + string(b"/bin/true"))


def mappings(count, first_gap=16):
    """count one-page anonymous mappings, a page apart."""
    one = uv(1) + uv(1) + uv(0) + bytes([3]) + uv(0)
    return uv(count) + uv(first_gap) + uv(1) + uv(0) + bytes([3]) + uv(0) + one * (count - 1)


def exec_record(tid, count):
    layout = (0x7FFFFFFFF000, 0x10000, 0x7FFFF7FFF000, 0x2AAAAAAAB000, 0x100000, 65530,
              0x555555559000, 0x555555559000, 0)
    payload = uv(tid) + bytes([0]) + uv(0) + uv(0) + b"".join(uv(v) for v in layout)
    return record(EXEC, payload + mappings(count))


def task(parent, child, shares_vm=0):
    return record(TASK, bytes([0]) + uv(parent) + uv(child) + bytes([shares_vm]) + uv(0))


def event(nr, tid=None, stack=0, window=None):
    """A passed call with no arguments and result 0; window: mappings of
    a whole-space after-image."""
    flags = (EV_TID if tid is not None else 0) | (EV_STACK if stack else 0)
    flags |= EV_WINDOW if window is not None else 0
    payload = uv(flags) + (uv(tid) if tid is not None else b"")
    payload += sv(1) + uv(0) + uv(nr) + uv(0) + sv(0)
    payload += uv(stack) if stack else b""
    if window is not None:
        payload += uv(1) + mappings(window)
    return record(EVENT, payload)


def end(events):
    return record(END, uv(0) + uv(events) + uv(0))


def seeds():
    yield "exec-5k-mappings", exec_record(100, 5000) + end(0)
    yield "forks-1k-mappings-x20", (exec_record(100, 1000) +
                                    b"".join(task(100, 1000 + i) for i in range(20)) + end(0))
    yield "events-10k-tids", b"".join(event(X86_64_BRK, tid=1 + i) for i in range(10000)) + end(10000)
    yield "threads-2k", (exec_record(100, 10) +
                         b"".join(task(100, 1000 + i, shares_vm=1) for i in range(2000)) +
                         b"".join(event(X86_64_MMAP, tid=1000 + i, window=3) for i in range(2000)) +
                         end(2000))
    frames = b"".join(uv(1) + uv(i) + uv(1) + uv(i) for i in range(256))
    yield "stacks-200-deep", (record(STRING, uv(1) + b"/lib/libc.so.6") +
                              b"".join(record(STACK, uv(1 + i) + uv(256) + frames) for i in range(200)) +
                              exec_record(100, 10) +
                              b"".join(event(X86_64_MUNMAP, stack=1 + i) for i in range(200)) +
                              end(200))
    libc_frames = b"".join(uv(1) + uv(i) + uv(1) + uv(i) for i in range(256))
    yield "one-stack-256-deep-100-events", (record(STRING, uv(1) + b"/lib/libc.so.6") +
                                           record(STACK, uv(1) + uv(256) + libc_frames) +
                                           exec_record(100, 10) +
                                           b"".join(event(X86_64_MUNMAP, stack=1) for _ in range(100)) +
                                           end(100))
    yield "whole-windows-50x1k", (exec_record(100, 10) +
                                   b"".join(event(X86_64_MMAP, window=1000) for _ in range(50)) +
                                   end(50))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, body in seeds():
        with open(os.path.join(sys.argv[1], name + ".mtr"), "wb") as f:
            f.write(PREAMBLE + header() + body)


if __name__ == "__main__":
    main()
