"""Random JSON-ish Python objects for the msgpack / CBOR interop tests.

Dicts keep insertion order; integers cluster at every encoding width
boundary; strings mix ASCII, escapes, non-BMP characters and boundary lengths.
"""
import random

INT_BOUNDARIES = [
    0, 1, 23, 24, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1,
    -1, -24, -25, -32, -33, -128, -129, -256, -257, -32768, -32769, -65536, -65537,
    -2**31, -2**31 - 1, -2**32, -2**32 - 1, -2**63,
]
LENGTHS = [0, 1, 15, 16, 23, 24, 31, 32, 255, 256]
ALPHABET = "abcXYZ019 _-\"\\/\n\t\x01\x7féß€中文😀🎉"


def rand_str(rng, n=None):
    if n is None:
        n = rng.choice(LENGTHS) if rng.random() < 0.3 else rng.randint(0, 12)
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def rand_float(rng):
    return rng.choice([
        0.0, -0.0, 0.5, 1.5, -2.25, 1e300, -1e-300, 5e-324, 1.7976931348623157e308,
        rng.uniform(-1e6, 1e6), rng.random(), float(rng.randint(-1000, 1000)),
    ])


def rand_obj(rng, depth=0):
    kinds = ["int", "bint", "float", "str", "bool", "none"]
    if depth < 4:
        kinds += ["list", "dict", "list", "dict"]
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.randint(-2**63, 2**64 - 1)
    if kind == "bint":
        return rng.choice(INT_BOUNDARIES)
    if kind == "float":
        return rand_float(rng)
    if kind == "str":
        return rand_str(rng)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    n = rng.choice(LENGTHS[:7]) if rng.random() < 0.2 else rng.randint(0, 5)
    if kind == "list":
        return [rand_obj(rng, depth + 1) for _ in range(n)]
    d = {}
    for _ in range(n):
        d[rand_str(rng)] = rand_obj(rng, depth + 1)
    return d


def objects(seed, count):
    rng = random.Random(seed)
    return [rand_obj(rng) for _ in range(count)]
