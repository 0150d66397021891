#!/usr/bin/env python3
"""Probes one DoT server for the behaviours of issue 13 that kdig and openssl s_client do not show
directly; prints one JSON object. Python's ssl and socket modules only (Debian 12's python3).

  dot-probe.py [--ca FILE] [--name NAME] [--port N] ADDRESS pipeline [--count N]
      N queries (dot.test A, AAAA, TXT, ... repeated) written in one TLS record, back to back
      (RFC 7766 section 6.2.1.1); the IDs in the order the answers arrived.
  dot-probe.py ... ADDRESS keepalive [--idle SECONDS]
      a query with an empty edns-tcp-keepalive option (RFC 7828); the timeout the answer announces;
      then SECONDS idle on the same session and a second query: answered, or closed (and after how
      long: with --wait-close, the time from the last answer to the EOF, for information only).
  dot-probe.py ... ADDRESS padding [--block N | --none]
      a query padded to a multiple of N octets (RFC 8467 section 4.1: 128 for clients; default) or
      not padded at all; the answer's length and its padding option, if any.

--ca verifies the chain and NAME (default dot.test) against that CA file; without it, nothing is
verified (still TLS). Exit status 0 when the probe ran, 1 when the connection failed.
"""
import argparse
import json
import socket
import ssl
import struct
import sys
import time

OPT, PADDING, KEEPALIVE = 41, 12, 11
TYPES = {"A": 1, "AAAA": 28, "TXT": 16, "NS": 2, "SOA": 6}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, name, qtype, options=(), pad_block=0):
    """A query with RD and an OPT record carrying OPTIONS; padded to a multiple of PAD_BLOCK."""
    header = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1)
    question = encode_name(name) + struct.pack("!HH", TYPES[qtype], 1)
    opts = b"".join(struct.pack("!HH", code, len(data)) + data for code, data in options)

    def build(opts):
        return header + question + b"\0" + struct.pack("!HHIH", OPT, 1232, 0, len(opts)) + opts

    if pad_block:
        unpadded = len(build(opts)) + 4  # + the padding option's own code and length
        opts += struct.pack("!HH", PADDING, -unpadded % pad_block) + b"\0" * (-unpadded % pad_block)
    return build(opts)


def skip_name(msg, pos):
    while True:
        if pos >= len(msg):
            raise ValueError("name past the end")
        length = msg[pos]
        if length >= 0xC0:
            return pos + 2
        if length == 0:
            return pos + 1
        pos += 1 + length


def parse(msg):
    """ID, rcode, answer count and the OPT options ({code: [data...]}) of a response."""
    if len(msg) < 12:
        raise ValueError("short message")
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    pos = 12
    for _ in range(qd):
        pos = skip_name(msg, pos) + 4
    options = {}
    for index in range(an + ns + ar):
        pos = skip_name(msg, pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        rdata = msg[pos:pos + rdlen]
        pos += rdlen
        if rtype == OPT and index >= an + ns:
            i = 0
            while i + 4 <= len(rdata):
                code, olen = struct.unpack("!HH", rdata[i:i + 4])
                options.setdefault(code, []).append(rdata[i + 4:i + 4 + olen])
                i += 4 + olen
    return {"id": qid, "rcode": flags & 0xF, "answers": an, "options": options}


def connect(args):
    if args.ca:
        ctx = ssl.create_default_context(cafile=args.ca)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((args.address, args.port), timeout=args.timeout)
    return ctx.wrap_socket(raw, server_hostname=args.name)


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("closed by the server after %d of %d octets" % (len(data), n))
        data += chunk
    return data


def read_frame(sock):
    (length,) = struct.unpack("!H", read_exactly(sock, 2))
    return read_exactly(sock, length)


def frame(msg):
    return struct.pack("!H", len(msg)) + msg


def pipeline(args):
    names = [("dot.test", t) for t in ("A", "AAAA", "TXT")]
    sent = [0x1000 + i for i in range(args.count)]
    wire = b"".join(frame(query(qid, *names[i % len(names)], pad_block=128))
                    for i, qid in enumerate(sent))
    with connect(args) as sock:
        sock.sendall(wire)  # one write: the queries leave back to back
        got = []
        try:
            for _ in sent:
                got.append(parse(read_frame(sock))["id"])
        except (EOFError, OSError) as error:
            return {"sent": sent, "received": got, "error": str(error)}
    return {"sent": sent, "received": got, "all_answered": sorted(got) == sent,
            "in_order": got == sent}


def keepalive_timeout(response):
    values = response["options"].get(KEEPALIVE, [])
    if not values:
        return None
    return struct.unpack("!H", values[0])[0] / 10 if len(values[0]) == 2 else "empty"


def keepalive(args):
    with connect(args) as sock:
        sock.sendall(frame(query(1, "dot.test", "A", options=[(KEEPALIVE, b"")], pad_block=128)))
        first = parse(read_frame(sock))
        answered = time.monotonic()
        result = {"keepalive_s": keepalive_timeout(first), "idle_s": args.idle}
        time.sleep(args.idle)
        try:
            sock.sendall(frame(query(2, "dot.test", "AAAA", pad_block=128)))
            second = parse(read_frame(sock))
            result["after_idle"] = "answered" if second["id"] == 2 else "wrong-id"
            answered = time.monotonic()
        except (EOFError, OSError) as error:
            result["after_idle"] = "closed"
            result["error"] = str(error)
        if result["after_idle"] != "closed" and args.wait_close:
            sock.settimeout(args.wait_close)
            try:
                sock.recv(1)
                result["closed_after_s"] = round(time.monotonic() - answered, 1)
            except (socket.timeout, TimeoutError):
                result["closed_after_s"] = None
            except OSError:
                result["closed_after_s"] = round(time.monotonic() - answered, 1)
    return result


def padding(args):
    block = 0 if args.none else args.block
    q = query(1, "dot.test", "A", pad_block=block)
    with connect(args) as sock:
        sock.sendall(frame(q))
        raw = read_frame(sock)
    response = parse(raw)
    pads = response["options"].get(PADDING, [])
    return {"query_size": len(q), "query_padded": bool(block), "response_size": len(raw),
            "response_padding": len(pads[0]) if pads else None,
            "multiple_of_468": len(raw) % 468 == 0, "multiple_of_128": len(raw) % 128 == 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ca", help="verify the chain and --name against this CA file")
    parser.add_argument("--name", default="dot.test", help="SNI and name to verify")
    parser.add_argument("--port", type=int, default=853)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("address")
    sub = parser.add_subparsers(dest="probe", required=True)
    p = sub.add_parser("pipeline")
    p.add_argument("--count", type=int, default=3)
    k = sub.add_parser("keepalive")
    k.add_argument("--idle", type=float, default=1.0)
    k.add_argument("--wait-close", type=float, default=0,
                   help="then wait up to this many seconds for the server to close")
    d = sub.add_parser("padding")
    d.add_argument("--block", type=int, default=128)
    d.add_argument("--none", action="store_true", help="no padding option in the query")
    args = parser.parse_args()
    if args.probe == "keepalive":
        args.timeout = max(args.timeout, args.idle + 5, args.wait_close + 5)
    try:
        out = {"pipeline": pipeline, "keepalive": keepalive, "padding": padding}[args.probe](args)
    except (OSError, EOFError, ValueError) as error:
        print(json.dumps({"probe": args.probe, "error": str(error)}))
        return 1
    print(json.dumps({"probe": args.probe, **out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
