#!/usr/bin/env python3
"""Writes the seed inputs under seeds/<target>/ from the repository's own fixtures and test
vectors (run from fuzz/: python3 make_seeds.py). The seeds start each fuzzing run from valid
input, and the workspace test fiu-node/tests/fuzz_regressions.rs replays them."""

import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
IMPORT = os.path.join(ROOT, "fiu-node", "tests", "fixtures", "import")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def read(*path):
    with open(os.path.join(*path), "rb") as f:
        return f.read()


def write(target, name, data):
    os.makedirs(os.path.join(SEEDS, target), exist_ok=True)
    with open(os.path.join(SEEDS, target, name), "wb") as f:
        f.write(data)


# Protobuf encoding, enough for the seed messages.
def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def field(number, value):
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value


def message(*fields):
    return b"".join(field(n, v) for n, v in fields)


for name in ["goaml-4.xml", "goaml-5.xml", "goaml-malformed.xml"]:
    write("goaml", name, read(IMPORT, name))

csv = read(IMPORT, "people.csv")
write("csv", "people.csv", csv)
write("csv", "mapping-and-people.bin", read(IMPORT, "mapping.toml") + b"\0" + csv)
write("jsonl", "subjects.jsonl", read(IMPORT, "subjects.jsonl"))

vectors = json.loads(read(ROOT, "docs", "vectors", "filter.json"))
first = bytes.fromhex(vectors["snapshot_after_first_four_hex"])
full = bytes.fromhex(vectors["snapshot_hex"])
delta_1 = bytes.fromhex(vectors["delta_1_hex"])
delta_2 = bytes.fromhex(vectors["delta_2_hex"])
for name, mode, a, b in [
    ("snapshot-then-delta.bin", 0, first, delta_2),
    ("two-snapshots.bin", 0, full, first),
    ("two-deltas.bin", 0, delta_1, delta_2),
]:
    write("filter", name, bytes([mode]) + struct.pack("<H", len(a)) + a + b)

person = message(
    (1, "Jane"), (3, "Doe"), (6, "1980-03-14"), (8, "DE"), (9, "FR"),
    (10, message((1, 1), (2, "C01X00T47"), (3, "DE"))),
    (13, "+49 30 123456"), (14, "jane.doe@example.com"),
)
account = message((1, "DE89 3704 0044 0532 0130 00"))
entity = message((1, "Acme Trading GmbH"), (4, "HRB 12345"), (5, "DE"), (6, "5493001KJTIIGC8Y1R12"))
wallet = message((1, "btc"), (2, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"))
subjects = [
    message((1, "STR-1"), (2, 1), (3, "2030-01-31"), (10, person)),
    message((1, "STR-2"), (2, 2), (12, account)),
    message((1, "STR-3"), (2, 1), (11, entity)),
    message((1, "STR-4"), (2, 3), (13, wallet)),
]
write("rpc", "00-upsert-batch.bin", bytes([0]) + message((1, "import.csv"), *[(2, s) for s in subjects]))
write("rpc", "02-lookup.bin", bytes([2]) + message((1, subjects[0]), (2, "CASE-1"), (3, "analysis")))
token = message((1, "iban"), (2, bytes(range(32))))
timestamp = message((1, 1763860000), (2, 5))
write("rpc", "12-follow-up-request.bin", bytes([12]) + message(
    (1, "req-1"), (2, "fiu-a"), (3, "fiu-b"), (4, 1), (5, "CASE-1"), (6, "art. 53 AMLD"),
    (7, "analysis"), (8, token), (9, timestamp), (15, bytes(64))))
write("rpc", "13-follow-up-answer.bin", bytes([13]) + message(
    (1, "req-1"), (2, "fiu-b"), (3, "fiu-a"), (4, 1), (5, "see attached"),
    (6, message((1, token), (2, 1))), (7, timestamp), (15, bytes(64))))
header = message((1, "fiu-a"), (2, 7), (3, 1), (4, len(full)), (5, bytes(32)), (6, timestamp), (15, bytes(64)))
write("rpc", "14-snapshot-header.bin", bytes([14]) + message((1, header)))
write("rpc", "15-delta-update.bin", bytes([15]) + message((1, message(
    (1, "fiu-a"), (2, 7), (3, 2), (4, delta_2), (15, bytes(64))))))

for i, text in enumerate([
    "Jane\n\nDoe\nJ. Doe\nДжейн Доу\n14.03.1980\nBerlin\nDEU\nfr\nC01X00T47\nDE\n12345678901\nDE\n030 123456\nJane.Doe@Example.com",
    "Acme Trading GmbH\nACME\nGmbH\nHRB 12345\nDE\n5493001KJTIIGC8Y1R12",
    "GB82 WEST 1234 5698 7654 32\n\nDEUTDEFFXXX\nDE",
    "eth\n0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "IMO 9074729\nEver Given",
    "D-ABCD",
    "CSQU 305438 3",
    "+49 30 123456",
    "jane.doe@example.com",
]):
    write("identifiers", "record-%d.txt" % i, bytes([i]) + text.encode())

write("config", "node.toml", b"""[node]
member_id = "fiu-a"
listen = "127.0.0.1:7401"
data_dir = "/var/lib/fiu-a"

[network]
secret_file = "network.secret"
epoch = 1

[filter]
target_fpr = 1e-6

[policy]
phone_region = "DE"

[[peers]]
member_id = "fiu-b"
endpoint = "http://127.0.0.1:7402"
public_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
""")

members = ""
for i, (member, key) in enumerate([
    ("fiu-a", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
    ("fiu-b", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
]):
    members += """
[[members]]
id = "%s"
name = "FIU %s"
country = "DE"
endpoint = "https://%s.example:%d"
signing_key = "%s"
x25519_key = "%s"
certificate_sha256 = "%s"
""" % (member, member, member, 7401 + i, key, ("%02x" % (i + 1)) * 32, ("%02x" % (i + 1)) * 32)
write("manifest", "network.toml", ("""version = 1
network = "test"
revision = 1
ca_sha256 = "%s"

[epoch]
current = 1
max_age_days = 90

[filter]
target_fpr = 1e-6
""" % ("09" * 32) + members).encode())

merkle = json.loads(read(ROOT, "docs", "vectors", "merkle.json"))
write("audit", "0-entry.bin", bytes([0]) + bytes.fromhex(merkle["entry"]["encoding"]))
th = merkle["tree_head"]
head = {"type": "tree_head", "log_id": th["log_id"], "size": th["size"], "root": th["root"],
        "timestamp_ms": th["timestamp_ms"], "signature": th["signature"]}
write("audit", "2-head.json", bytes([2]) + json.dumps(head).encode())
e = merkle["entry"]
export = [
    {"type": "header", "format": 1, "hash": "blake3", "log_id": th["log_id"],
     "public_key": th["public_key"], "prefix_size": 0, "prefix": []},
    {"type": "entry", "seq": 0, "at_ms": e["at_ms"], "kind": e.get("kind", "lookup"),
     "actor": e["actor"], "detail": e["detail"]},
    {"type": "tree_head", "size": 1, "root": "00" * 32, "timestamp_ms": th["timestamp_ms"],
     "signature": th["signature"]},
]
write("audit", "1-export.jsonl", bytes([1]) + b"".join(json.dumps(l).encode() + b"\n" for l in export))
for i, case in enumerate(merkle["inclusion"][:3]):
    leaf = merkle["leaves"][case["index"]]["leaf_hash"]
    root = [r["root"] for r in merkle["roots"] if r["size"] == case["size"]][0]
    write("audit", "3-inclusion-%d.bin" % i, bytes([3]) + struct.pack("<QQQ", case["index"], case["size"], case["size"])
          + bytes.fromhex(leaf) + bytes.fromhex(root) + b"".join(bytes.fromhex(p) for p in case["proof"]))

package = b"fiu-network-secret/v1" + bytes([5]) + b"fiu-a" + (1).to_bytes(8, "big") + bytes(range(32))
write("sealed", "plaintext-package.bin", bytes([1]) + package)
write("sealed", "sealed-garbage.bin", bytes([0]) + bytes(48) + package)
