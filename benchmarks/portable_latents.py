"""Why kerasgen-v1 computes ln, sin and cos itself: how often the platform's math
libraries disagree in the last bit, measured on the uniforms of kerasgen-v1.

For `--pairs` Box-Muller pairs of seed `--seed`, computes ln(u), cos(theta), sin(theta)
with NumPy (C's libm) and with JavaScript's Math (node, V8), and counts the float64
results that differ and the float32 latents `r cos`, `r sin` that differ after
rounding. Prints one line per count.

    python benchmarks/portable_latents.py --pairs 1000000 --seed 7
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from kerasgen_runtime.latents import splitmix64

SCRIPT = """
const fs = require("fs");
const [pairs, seed, out] = [Number(process.argv[2]), BigInt(process.argv[3]), process.argv[4]];
const MASK = (1n << 64n) - 1n;
function splitmix64(counter) {
  let x = (seed + (counter + 1n) * 0x9e3779b97f4a7c15n) & MASK;
  x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return x ^ (x >> 31n);
}
const values = new Float64Array(3 * pairs);
for (let p = 0; p < pairs; p++) {
  const a = splitmix64(BigInt(2 * p)), b = splitmix64(BigInt(2 * p + 1));
  const u = (Number(a >> 11n) + 1) / 2 ** 53, theta = 2 * Math.PI * (Number(b >> 11n) / 2 ** 53);
  values[3 * p] = Math.log(u); values[3 * p + 1] = Math.cos(theta); values[3 * p + 2] = Math.sin(theta);
}
fs.writeFileSync(out, Buffer.from(values.buffer));
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    node = shutil.which("node")
    if node is None:
        sys.exit("node is not installed: the JavaScript side needs it")
    with tempfile.TemporaryDirectory() as tmp:
        script, out = os.path.join(tmp, "libm.js"), os.path.join(tmp, "values.bin")
        with open(script, "w") as f:
            f.write(SCRIPT)
        subprocess.run([node, script, str(args.pairs), str(args.seed), out], check=True)
        js = np.fromfile(out, dtype=np.float64).reshape(args.pairs, 3)
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    pairs = np.arange(args.pairs, dtype=np.uint64)
    a, b = splitmix64(args.seed, 2 * pairs), splitmix64(args.seed, 2 * pairs + np.uint64(1))
    u = ((a >> np.uint64(11)) + np.uint64(1)).astype(np.float64) / 2.0**53
    theta = 2 * np.pi * ((b >> np.uint64(11)).astype(np.float64) / 2.0**53)
    c = np.stack([np.log(u), np.cos(theta), np.sin(theta)], axis=1)
    radius, radius_js = np.sqrt(-2 * c[:, 0]), np.sqrt(-2 * js[:, 0])
    z = np.stack([radius * c[:, 1], radius * c[:, 2]]).astype(np.float32)
    z_js = np.stack([radius_js * js[:, 1], radius_js * js[:, 2]]).astype(np.float32)
    report = {
        "pairs": args.pairs, "seed": args.seed, "node": version, "numpy": np.__version__,
        "float64_differ": {name: int(np.sum(c[:, i] != js[:, i])) for i, name in enumerate(("log", "cos", "sin"))},
        "float32_latents_differ": int(np.sum(z != z_js)), "float32_latents": int(z.size),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
