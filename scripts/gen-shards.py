#!/usr/bin/env python3
"""Writes the -oJ outputs of a synthetic sharded scan, for benchmarking `dotscan merge`.

Usage: gen-shards.py TARGETS SHARDS DIR [--seed S] [--dot-every N] [--duplicate]
Writes DIR/shard-I.jsonl for I in 0..SHARDS-1: TARGETS distinct targets (10.0.0.0/8 addresses on
port 853, target i in shard i % SHARDS) as dotscan's JSON Lines writer writes them (closed and
filtered records of the real shape, one in --dot-every a record with a TLS session and DNS answer),
each file ended by a metadata record whose counts match its records. With --duplicate, the very
last record of the last shard is target 0 again (which merge must refuse). Sends no packet.
"""
import argparse
import json
import os

CLOSED = ('{"record":"result","schema_version":1,"address":"%s","port":853,"name":null,'
          '"sni":null,"started":"2026-11-23T10:00:00.124Z","ended":"2026-11-23T10:00:00.125Z",'
          '"outcome":"%s","phase":"tcp-connect","reason":"%s","attempts":%d,'
          '"first_bytes_hex":null,"timings":{"tcp_connect_ms":null,"tls_handshake_ms":null,'
          '"dns_rtt_ms":null,"total_ms":%s},"tls":null,"certificates":[],"dns":null,'
          '"findings":[],"verdict":null}\n')
DOT = ('{"record":"result","schema_version":1,"address":"%s","port":853,"name":null,"sni":null,'
       '"started":"2026-11-23T10:00:00.124Z","ended":"2026-11-23T10:00:00.140Z","outcome":"dot",'
       '"phase":"done","reason":"answered","attempts":1,"first_bytes_hex":null,'
       '"timings":{"tcp_connect_ms":0.5,"tls_handshake_ms":3.25,"dns_rtt_ms":1.125,"total_ms":5.0},'
       '"tls":{"version":"TLSv1.3","cipher":"TLS_AES_256_GCM_SHA384","group":"x25519","alpn":null,'
       '"ocsp_stapled":false,"session_ticket":true,"chain_length":1,"auth_name":null,'
       '"name_matches":false,"bytes_sent":700,"bytes_received":2100,"verification":{"trusted":false,'
       '"code":18,"reason":"self-signed certificate","trust_store":"system","errors":[{"depth":0,'
       '"code":18,"reason":"self-signed certificate"}]}},"certificates":[],"dns":{"cleartext":false,'
       '"query":{"name":".","type":"NS","id":4660,"rd":true,"edns":true,"padding":true,"nsid":true,'
       '"keepalive":true,"size":128},"checks":[{"name":"id","ok":true,"detail":null}],'
       '"bytes_received":130,"response":null},"findings":[{"id":"self-signed-leaf","severity":"medium",'
       '"message":"the leaf is self-signed","certificate":0}],"verdict":{"profile":"opportunistic-only",'
       '"reasons":["self-signed"],"pin_match":null,"policy_group":null}}\n')
OUTCOMES = ["dot", "tls-ok", "closed", "filtered", "unreachable", "tls-failed", "tls-timeout",
            "not-tls", "tls-no-dns", "dns-malformed", "dns-timeout", "cleartext-dns", "error",
            "interrupted", "internal-error"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("targets", type=int)
    parser.add_argument("shards", type=int)
    parser.add_argument("dir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dot-every", type=int, default=1000)
    parser.add_argument("--duplicate", action="store_true")
    args = parser.parse_args()
    if args.targets > 1 << 24:
        parser.error("at most 2^24 targets (10.0.0.0/8)")
    os.makedirs(args.dir, exist_ok=True)
    for shard in range(args.shards):
        counts = dict.fromkeys(OUTCOMES, 0)
        written = 0
        path = os.path.join(args.dir, "shard-%d.jsonl" % shard)
        with open(path, "w", buffering=1 << 20) as out:
            chunk = []
            last = args.targets - 1 - (args.targets - 1 - shard) % args.shards
            for i in range(shard, args.targets, args.shards):
                target = 0 if args.duplicate and shard == args.shards - 1 and i == last else i
                address = "10.%d.%d.%d" % (target >> 16, (target >> 8) & 255, target & 255)
                if i % args.dot_every == 0:
                    chunk.append(DOT % address)
                    counts["dot"] += 1
                elif i % 3 == 0:
                    chunk.append(CLOSED % (address, "closed", "connection refused", 1, "0.25"))
                    counts["closed"] += 1
                else:
                    chunk.append(CLOSED % (address, "filtered", "no answer", 2, "6000.0"))
                    counts["filtered"] += 1
                written += 1
                if len(chunk) == 10000:
                    out.write("".join(chunk))
                    chunk = []
            out.write("".join(chunk))
            arguments = ["--seed", str(args.seed), "--shards", str(args.shards), "--shard",
                         str(shard), "--output-json", "shard-%d.jsonl" % shard, "10.0.0.0/8"]
            metadata = {
                "record": "metadata", "schema_version": 1, "version": "0.1.0",
                "command_line": "dotscan " + " ".join(arguments), "arguments": arguments,
                "resumed": 0, "seed": args.seed, "shard_index": shard, "shard_count": args.shards,
                "merged_shards": None, "targets_planned": str(written),
                "targets_scanned": written, "started": "2026-11-23T10:00:00.000Z",
                "ended": "2026-11-23T11:00:00.000Z", "duration_s": 3600.0,
                "achieved_rate": round(written / 3600.0, 3), "counts": counts,
                "interrupted": False, "threads": 1, "max_parallel": 1000, "rate": 0,
                "connect_timeout_ms": 3000, "tls_timeout_ms": 5000, "host_timeout_ms": 15000,
                "retries": 1, "timing": "normal", "min_rtt_timeout_ms": None,
                "max_rtt_timeout_ms": None, "cleartext_checks": 0,
                "rtt": {kind: {"srtt_ms": 1.5, "rttvar_ms": 0.5, "samples": 10}
                        for kind in ("connect", "handshake", "dns")},
                "tls_min": "TLSv1.2", "tls_max": "TLSv1.3", "alpn": [], "trust_store": "system",
                "dns_timeout_ms": 5000, "query": ". NS", "error": None, "discovery": None,
                "pcap": None}
            out.write(json.dumps(metadata, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
