#!/usr/bin/env python3
"""Writes two dotscan -oJ files (JSON Lines, data/result.schema.json) of N targets each with a
known number of changes between them, for scripts/bench-diff.sh and `dotscan diff`.

    gen-diff-input.py N CHANGES OLD.jsonl NEW.jsonl

Targets are 10.0.0.0/8 addresses on port 853, in a different random order in each file (as two
real scans visit them). 5% are DoT servers with a two-certificate chain, the rest closed. Times,
timings and query IDs differ on every record of both files (the diff must ignore them). Between
OLD and NEW, CHANGES targets of each kind change: a DoT server goes closed (outcome, high), a leaf
is rotated (certificate, info), a finding is added (address-not-in-san, medium), a closed target
is dropped (disappeared, info), a new one is added (appeared, info), TLS 1.3 becomes TLS 1.2
(tls-version, medium). Prints the expected counts as one JSON object on stdout.
"""
import json
import random
import sys


def address(i):
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def ts(rng):
    return f"2026-11-30T09:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"


def closed(i, rng):
    return ('{"record":"result","schema_version":1,"address":"%s","port":853,"name":null,"sni":null,'
            '"started":"%s","ended":"%s","outcome":"closed","phase":"tcp-connect",'
            '"reason":"connection refused","attempts":1,"first_bytes_hex":null,"timings":'
            '{"tcp_connect_ms":null,"tls_handshake_ms":null,"dns_rtt_ms":null,"total_ms":%.3f},'
            '"tls":null,"certificates":[],"dns":null,"findings":[],"verdict":{"profile":"not-dot",'
            '"reasons":[],"pin_match":null,"policy_group":null}}'
            % (address(i), ts(rng), ts(rng), rng.random()))


def cert(subject, issuer, serial, sha, pin, ca):
    return ('{"subject":"%s","subject_fields":[{"name":"CN","value":"%s"}],"issuer":"%s",'
            '"issuer_fields":[{"name":"CN","value":"x"}],"serial":"%s","not_before":'
            '"2020-01-01T00:00:00Z","not_after":"2049-12-31T00:00:00Z","days_left":8431,"san":'
            '{"dns":["dot.test"],"ip":["127.0.0.1","::1"],"email":[],"uri":[],"other":[]},"key":'
            '{"type":"EC","bits":256,"curve":"prime256v1"},"signature_algorithm":"ecdsa-with-SHA256",'
            '"sha1":"%s","sha256":"%s","spki_pin_sha256":"%s","basic_constraints":{"ca":%s,'
            '"path_length":null},"key_usage":["digitalSignature"],"extended_key_usage":["serverAuth"],'
            '"self_signed":false,"parse_errors":[]}'
            % (subject, subject, issuer, serial, sha[:40], sha, pin, "true" if ca else "false"))


def dot(i, rng, rotated=False, finding=False, tls12=False):
    leaf_sha = ("%064x" % (i * 2654435761 + (7 if rotated else 0)))[-64:]
    pin = ("pin%040d" % (i + (1 if rotated else 0)))[:43] + "="
    findings = ['{"id":"alpn-not-dot","severity":"info","message":"no ALPN","certificate":null}']
    if finding:
        findings.insert(0, '{"id":"address-not-in-san","severity":"medium","message":"not in SAN",'
                           '"certificate":0}')
    chain = [cert("CN=dot.test", "CN=intermediate", "1001", leaf_sha, pin, False),
             cert("CN=intermediate", "CN=root", "02", "ab" * 32, "rootpin" + "A" * 36 + "=", True)]
    return ('{"record":"result","schema_version":1,"address":"%s","port":853,"name":null,"sni":null,'
            '"started":"%s","ended":"%s","outcome":"dot","phase":"done","reason":"DNS answered",'
            '"attempts":1,"first_bytes_hex":null,"timings":{"tcp_connect_ms":%.3f,'
            '"tls_handshake_ms":%.3f,"dns_rtt_ms":%.3f,"total_ms":%.3f},"tls":{"version":"%s",'
            '"cipher":"TLS_AES_256_GCM_SHA384","group":"x25519","alpn":null,"ocsp_stapled":false,'
            '"session_ticket":true,"chain_length":2,"auth_name":null,"name_matches":null,'
            '"bytes_sent":%d,"bytes_received":%d,"verification":{"trusted":true,"code":0,"reason":"ok",'
            '"trust_store":"ca.crt","errors":[]}},"certificates":[%s],"dns":{"cleartext":false,'
            '"query":{"name":".","type":"NS","id":%d,"rd":true,"edns":true,"padding":true,"nsid":false,'
            '"keepalive":false,"size":128},"checks":[],"bytes_received":%d,"response":null},'
            '"findings":[%s],"verdict":{"profile":"strict-pkix","reasons":[],"pin_match":null,'
            '"policy_group":null}}'
            % (address(i), ts(rng), ts(rng), rng.random(), rng.random(), rng.random(), rng.random(),
               "TLSv1.2" if tls12 else "TLSv1.3", rng.randrange(2000), rng.randrange(5000),
               ",".join(chain), rng.randrange(65536), rng.randrange(500), ",".join(findings)))


def metadata(count, rng):
    rtt = {"srtt_ms": 1.0, "rttvar_ms": 0.5, "samples": count}
    counts = {o: 0 for o in ["dot", "tls-ok", "closed", "filtered", "unreachable", "tls-failed",
                             "tls-timeout", "not-tls", "tls-no-dns", "dns-malformed", "dns-timeout",
                             "cleartext-dns", "error", "interrupted", "internal-error"]}
    return json.dumps({
        "record": "metadata", "schema_version": 1, "version": "bench",
        "command_line": "gen-diff-input.py", "arguments": ["10.0.0.0/8"], "resumed": 0, "seed": 1,
        "shard_index": 0, "shard_count": 1, "targets_planned": str(count),
        "targets_scanned": count, "started": ts(rng), "ended": ts(rng), "duration_s": 100.0,
        "achieved_rate": count / 100.0, "counts": counts, "interrupted": False, "threads": 2,
        "max_parallel": 1000, "rate": 0, "connect_timeout_ms": 3000, "tls_timeout_ms": 5000,
        "host_timeout_ms": 15000, "retries": 1, "timing": "normal", "min_rtt_timeout_ms": None,
        "max_rtt_timeout_ms": None, "cleartext_checks": 0,
        "rtt": {"connect": rtt, "handshake": rtt, "dns": rtt}, "tls_min": None, "tls_max": None,
        "alpn": ["dot"], "trust_store": None, "dns_timeout_ms": 3000, "query": ". NS",
        "error": None, "discovery": None, "pcap": None}, separators=(",", ":"))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    n, changes, old_path, new_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    is_dot = lambda i: i % 20 == 0
    dots = [i for i in range(n) if is_dot(i)]
    closeds = [i for i in range(n) if not is_dot(i)]
    if len(dots) < 4 * changes or len(closeds) < changes:
        sys.exit("too many changes for N")
    goes_closed = set(dots[0:changes])
    rotated = set(dots[changes:2 * changes])
    finding = set(dots[2 * changes:3 * changes])
    tls12 = set(dots[3 * changes:4 * changes])
    dropped = set(closeds[:changes])
    added = range(n, n + changes)
    rng = random.Random(1)

    old_order = list(range(n))
    rng.shuffle(old_order)
    with open(old_path, "w") as out:
        for i in old_order:
            out.write((dot(i, rng) if is_dot(i) else closed(i, rng)) + "\n")
        out.write(metadata(n, rng) + "\n")
    new_order = [i for i in range(n) if i not in dropped] + list(added)
    rng.shuffle(new_order)
    with open(new_path, "w") as out:
        for i in new_order:
            if i >= n or not is_dot(i) or i in goes_closed:
                out.write(closed(i, rng) + "\n")
            else:
                out.write(dot(i, rng, i in rotated, i in finding, i in tls12) + "\n")
        out.write(metadata(len(new_order), rng) + "\n")
    print(json.dumps({"targets": n + changes, "changes": 6 * changes, "by_kind": {
        "appeared": changes, "disappeared": changes, "outcome": changes, "certificate": changes,
        "finding-added": changes, "tls-version": changes}}))


if __name__ == "__main__":
    main()
