#!/usr/bin/env python3
"""Prints the SYNs that packet_test.cpp expects, built with struct and socket by an independent
implementation of the Internet checksum; rerun and paste the output when the test's parameters
change."""
import socket
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp(sport, dport, seq, window, options: bytes) -> bytes:
    offset = (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, offset << 4, 0x02, window, 0, 0) + options


def with_tcp_checksum(segment: bytes, pseudo: bytes) -> bytes:
    value = checksum(pseudo + segment)
    return segment[:16] + struct.pack("!H", value) + segment[18:]


def syn_v4(src, dst, sport, dport, seq, ip_id, ttl, window, options):
    segment = tcp(sport, dport, seq, window, options)
    s, d = socket.inet_pton(socket.AF_INET, src), socket.inet_pton(socket.AF_INET, dst)
    segment = with_tcp_checksum(segment, s + d + struct.pack("!BBH", 0, 6, len(segment)))
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), ip_id, 0, ttl, 6, 0, s, d)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + segment


def syn_v6(src, dst, sport, dport, seq, hop_limit, window, options):
    segment = tcp(sport, dport, seq, window, options)
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    segment = with_tcp_checksum(segment, s + d + struct.pack("!I3xB", len(segment), 6))
    return struct.pack("!IHBB16s16s", 6 << 28, len(segment), 6, hop_limit, s, d) + segment


def show(name, data):
    body = ", ".join(f"0x{b:02x}" for b in data)
    print(f"// {name}: {len(data)} bytes\n{{{body}}}\n")


MSS = struct.pack("!BBH", 2, 4, 1460)
LINUX = MSS + bytes([4, 2, 8, 10]) + struct.pack("!II", 0xDEADBEEF, 0) + bytes([1, 3, 3, 7])
ETHERNET = bytes.fromhex("020000000002" "020000000001") + struct.pack("!H", 0x0800)

show("ipv4 mss", syn_v4("192.0.2.1", "198.51.100.7", 40000, 853, 0x01020304, 0x1234, 64, 64240, MSS))
show("ethernet ipv4 linux", ETHERNET + syn_v4("192.0.2.1", "198.51.100.7", 40000, 853, 0xfffffffe,
                                              0xbeef, 255, 1024, LINUX))
show("ipv6 linux", syn_v6("2001:db8::1", "2001:db8::853", 61000, 853, 0x89abcdef, 64, 64240, LINUX))
