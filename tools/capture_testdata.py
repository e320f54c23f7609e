#!/usr/bin/env python3
"""Turn firmware dumps in a serial log into a host-test data set.

Usage:  tools/capture_testdata.py [--force] LOG OUTDIR

Reads the `atoll-dump` lines the kernel prints on its serial console and
writes the blobs they carry as the files the host tests load (see
tests/README.md, "Data sets"):

    OUTDIR/rsdp.bin                   the RSDP bytes given to acpi_parse()
    OUTDIR/tbl_<16 hex digits>.bin    one ACPI table, named by physical address
    OUTDIR/mb2.bin                    the Multiboot2 information structure

expect.txt is written by hand, never by this tool, and never touched.

The dump format (the kernel side: arch/x86_64/boot_dump.c)
----------------------------------------------------------

With `atoll.dump=acpi,mb2` on its command line the kernel prints, on the
serial console, one line per 64 bytes of each blob:

    atoll-dump <kind> <phys> <len> <offset> <hex>

  kind    `rsdp`, `table` or `mb2`.
  phys    physical address of the blob's first byte, lowercase hex without
          `0x` (any width; zero-padding optional). For `rsdp` it is
          informative only (0 is fine: the RSDP is a copy from Multiboot2).
  len     total length of the blob in bytes, decimal, > 0.
  offset  offset of this line's first byte within the blob, decimal: 0,
          64, 128, ... in increasing order.
  hex     the bytes [offset, min(offset + 64, len)) as two lowercase hex
          digits each, no separators.

Fields are separated by single spaces. Text before `atoll-dump` on the same
line (a timestamp) and a trailing "\r" are tolerated; lines without
`atoll-dump` are ignored. Each blob is printed completely before the next
one starts. The blobs:

  `mb2`    the Multiboot2 information structure, len = its total_size.
  `rsdp`   exactly the bytes the kernel passed to acpi_parse() (rsdp_len).
  `table`  every range acpi_parse() mapped, one blob per distinct start
           address, with the largest length mapped there (the recorder in
           boot_dump.c). The parser maps only at table addresses: a table's
           header, then the whole table if it is one the parser uses; so
           tables it ignores (FACP, HPET, SSDT, ...) appear as their 36-byte
           header only, which is all a re-parse will read.

Optional lines, recommended:

    atoll-dump skip <phys> <reason text>    a table the kernel did not dump
    atoll-dump end <count>                  after the last blob; <count> =
                                            number of blobs printed

A log may hold several boots. A dump ends at an `end` line, or where a
second `mb2` or `rsdp` blob begins; the tool uses the last dump.
"""

import argparse
import os
import re
import struct
import sys

KINDS = ("rsdp", "table", "mb2")
BYTES_PER_LINE = 64
ACPI_HEADER_LEN = 36
RSDP_V1_LEN = 20

LINE_RE = re.compile(
    r"atoll-dump (?P<kind>[a-z0-9]+) (?P<phys>[0-9a-fA-F]{1,16}) (?P<len>[0-9]+) "
    r"(?P<offset>[0-9]+) (?P<hex>[0-9a-fA-F]*)\s*$"
)
SKIP_RE = re.compile(r"atoll-dump skip (?P<phys>[0-9a-fA-F]{1,16})\s*(?P<reason>.*?)\s*$")
END_RE = re.compile(r"atoll-dump end (?P<count>[0-9]+)\s*$")


class DumpError(Exception):
    pass


class Blob:
    def __init__(self, kind, phys, length, lineno):
        self.kind = kind
        self.phys = phys
        self.length = length
        self.data = bytearray(length)
        self.filled = 0  # bytes received, in order
        self.first_line = lineno

    def add(self, offset, chunk, lineno):
        if offset != self.filled:
            raise DumpError(
                f"line {lineno}: {self.kind} {self.phys:#x}: expected offset "
                f"{self.filled}, got {offset}"
            )
        expected = min(BYTES_PER_LINE, self.length - offset)
        if len(chunk) != expected:
            raise DumpError(
                f"line {lineno}: {self.kind} {self.phys:#x} offset {offset}: expected "
                f"{expected} bytes, got {len(chunk)}"
            )
        self.data[offset : offset + len(chunk)] = chunk
        self.filled += len(chunk)

    @property
    def complete(self):
        return self.filled == self.length


class Session:
    def __init__(self):
        self.blobs = []
        self.skips = []
        self.current = None
        self.end_count = None

    def finish_current(self, lineno):
        if self.current is not None and not self.current.complete:
            b = self.current
            raise DumpError(
                f"line {lineno}: {b.kind} {b.phys:#x} (started line {b.first_line}) "
                f"ended after {b.filled} of {b.length} bytes"
            )
        self.current = None


def parse_log(lines):
    """Returns the last dump (a Session) in the log, plus warnings."""
    warnings = []
    sessions = []
    session = Session()
    ended_by_end_line = False
    for lineno, raw in enumerate(lines, 1):
        pos = raw.find("atoll-dump ")
        if pos < 0:
            continue
        text = raw[pos:].rstrip("\r\n")

        m = END_RE.match(text)
        if m:
            session.finish_current(lineno)
            count = int(m.group("count"))
            if count != len(session.blobs):
                raise DumpError(
                    f"line {lineno}: end says {count} blobs, the dump had {len(session.blobs)}"
                )
            session.end_count = count
            sessions.append(session)
            session = Session()
            ended_by_end_line = True
            continue

        m = SKIP_RE.match(text)
        if m:
            session.finish_current(lineno)
            session.skips.append((int(m.group("phys"), 16), m.group("reason"), lineno))
            continue

        m = LINE_RE.match(text)
        if not m:
            raise DumpError(f"line {lineno}: malformed dump line: {text[:80]!r}")
        kind = m.group("kind")
        if kind not in KINDS:
            raise DumpError(f"line {lineno}: unknown kind {kind!r}")
        phys = int(m.group("phys"), 16)
        length = int(m.group("len"))
        offset = int(m.group("offset"))
        hexdigits = m.group("hex")
        if length == 0:
            raise DumpError(f"line {lineno}: blob of length 0")
        if len(hexdigits) % 2:
            raise DumpError(f"line {lineno}: odd number of hex digits")
        chunk = bytes.fromhex(hexdigits)

        cur = session.current
        if offset == 0 and (cur is None or cur.complete):
            session.finish_current(lineno)
            # One mb2 and one rsdp per boot: a second one starts a new dump.
            if kind != "table" and any(b.kind == kind for b in session.blobs):
                sessions.append(session)
                session = Session()
                ended_by_end_line = False
            cur = Blob(kind, phys, length, lineno)
            session.blobs.append(cur)
            session.current = cur
        elif cur is None or (cur.kind, cur.phys, cur.length) != (kind, phys, length):
            raise DumpError(
                f"line {lineno}: {kind} {phys:#x} offset {offset} does not continue the "
                f"blob being dumped"
            )
        cur.add(offset, chunk, lineno)

    if session.current is not None and not session.current.complete:
        b = session.current
        raise DumpError(
            f"the log ends inside {b.kind} {b.phys:#x} (started line {b.first_line}) after "
            f"{b.filled} of {b.length} bytes"
        )
    if session.blobs:
        if ended_by_end_line:
            warnings.append("the last dump has no `atoll-dump end` line: is the log truncated?")
        sessions.append(session)
    if not sessions:
        raise DumpError("no `atoll-dump` lines in the log")
    if len(sessions) > 1:
        warnings.append(f"{len(sessions)} dumps in the log, using the last one")
    return sessions[-1], warnings


def drop_contained_tables(session):
    """Removes `table` blobs that lie wholly inside another table blob with
    the same bytes (a mapper that recorded reads inside a table). Returns
    (errors, notes)."""
    errors, notes = [], []
    tables = [b for b in session.blobs if b.kind == "table"]
    drop = set()
    for b in tables:
        for outer in tables:
            if outer is b or id(outer) in drop:
                continue
            if (outer.phys, outer.length) == (b.phys, b.length):
                continue  # the same range twice: check_blobs() reports it
            if outer.phys <= b.phys and b.phys + b.length <= outer.phys + outer.length:
                start = b.phys - outer.phys
                if bytes(outer.data[start : start + b.length]) != bytes(b.data):
                    errors.append(
                        f"table range {b.phys:#x}+{b.length} differs from the same bytes "
                        f"inside {outer.phys:#x}"
                    )
                else:
                    notes.append(f"range {b.phys:#x}+{b.length} lies inside {outer.phys:#x}")
                    drop.add(id(b))
                break
    session.blobs = [b for b in session.blobs if id(b) not in drop]
    return errors, notes


def acpi_checksum_ok(data):
    return sum(data) % 256 == 0


def check_blobs(session):
    """Consistency checks. Returns (errors, warnings)."""
    errors, warnings = [], []
    by_kind = {k: [b for b in session.blobs if b.kind == k] for k in KINDS}

    if len(by_kind["rsdp"]) > 1:
        errors.append("more than one rsdp blob")
    if len(by_kind["mb2"]) > 1:
        errors.append("more than one mb2 blob")
    seen = {}
    for b in by_kind["table"]:
        if b.phys in seen:
            if bytes(seen[b.phys].data) != bytes(b.data):
                errors.append(f"table {b.phys:#x} dumped twice with different bytes")
            else:
                warnings.append(f"table {b.phys:#x} dumped twice")
        seen[b.phys] = b

    for b in by_kind["rsdp"]:
        d = bytes(b.data)
        if len(d) < RSDP_V1_LEN or d[:8] != b"RSD PTR ":
            warnings.append("rsdp blob does not start with 'RSD PTR '")
        elif not acpi_checksum_ok(d[:RSDP_V1_LEN]):
            warnings.append("rsdp checksum is bad")
    for b in by_kind["table"]:
        d = bytes(b.data)
        if len(d) < ACPI_HEADER_LEN:
            warnings.append(f"table {b.phys:#x}: only {len(d)} bytes, shorter than a header")
            continue
        sig = d[:4].decode("ascii", "replace")
        (hdr_len,) = struct.unpack_from("<I", d, 4)
        if len(d) == ACPI_HEADER_LEN and hdr_len > ACPI_HEADER_LEN:
            continue  # header only: a table the parser does not use
        if hdr_len != len(d):
            warnings.append(f"table {sig} {b.phys:#x}: header length {hdr_len}, dumped {len(d)}")
        elif not acpi_checksum_ok(d):
            warnings.append(f"table {sig} {b.phys:#x}: bad checksum")
    for b in by_kind["mb2"]:
        d = bytes(b.data)
        if len(d) >= 4:
            (total,) = struct.unpack_from("<I", d, 0)
            if total != len(d):
                warnings.append(f"mb2: total_size {total}, dumped {len(d)} bytes")
    return errors, warnings


def write_dataset(session, outdir, force):
    os.makedirs(outdir, exist_ok=True)
    ours = re.compile(r"^(rsdp\.bin|mb2\.bin|tbl_[0-9a-f]{16}\.bin)$")
    existing = sorted(f for f in os.listdir(outdir) if ours.match(f))
    if existing and not force:
        raise DumpError(
            f"{outdir} already holds {len(existing)} data files; use --force to replace them"
        )
    for f in existing:
        os.remove(os.path.join(outdir, f))

    written = []
    for b in session.blobs:
        if b.kind == "rsdp":
            name = "rsdp.bin"
        elif b.kind == "mb2":
            name = "mb2.bin"
        else:
            name = f"tbl_{b.phys:016x}.bin"
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(bytes(b.data))
        written.append((name, b))
    return written


def describe(b):
    if b.kind == "table" and b.length >= 4:
        sig = bytes(b.data[:4]).decode("ascii", "replace")
        if b.length == ACPI_HEADER_LEN:
            return sig + " (header only)"
        return sig
    return b.kind


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write rsdp.bin, tbl_<phys>.bin and mb2.bin from atoll-dump lines."
    )
    ap.add_argument("log", help="serial log captured from the kernel")
    ap.add_argument("outdir", help="data set directory, e.g. tests/data/qemu-q35")
    ap.add_argument("--force", action="store_true", help="replace existing .bin files")
    args = ap.parse_args(argv)

    try:
        with open(args.log, "r", encoding="utf-8", errors="replace") as f:
            session, warnings = parse_log(f)
        errors, notes = drop_contained_tables(session)
        for n in notes:
            print(f"capture_testdata: note: {n}, dropped", file=sys.stderr)
        more_errors, more = check_blobs(session)
        errors += more_errors
        warnings += more
        for w in warnings:
            print(f"capture_testdata: warning: {w}", file=sys.stderr)
        for phys, reason, lineno in session.skips:
            print(
                f"capture_testdata: warning: kernel skipped table {phys:#x}: {reason} "
                f"(line {lineno})",
                file=sys.stderr,
            )
        if errors:
            for e in errors:
                print(f"capture_testdata: error: {e}", file=sys.stderr)
            return 1
        written = write_dataset(session, args.outdir, args.force)
    except DumpError as e:
        print(f"capture_testdata: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"capture_testdata: error: {e}", file=sys.stderr)
        return 1

    for name, b in written:
        print(f"{os.path.join(args.outdir, name)}  {b.length:6} bytes  {describe(b)}")
    if not os.path.exists(os.path.join(args.outdir, "expect.txt")):
        print(f"(no {args.outdir}/expect.txt yet: write one by hand, see tests/README.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
