"""Prior noise drawn on the host from a seed (NumPy only).

Keras models, exported ONNX graphs, the runtime sampler and the web page all draw ``z``
with the generator named ``kerasgen-v1``, specified below to the last bit, so a seed
gives the same latents (and so the same samples) in Python and in JavaScript.

kerasgen-v1, element `i` (row-major over the `(num_samples, latent_dim)` array) for
`seed` (an int in [0, 2**64)):

1. Counter-based uniforms: output `n` (n = 0, 1, ...) is SplitMix64's n-th output,
   `x = (seed + (n + 1) * 0x9E3779B97F4A7C15) mod 2**64`, then
   `x ^= x >> 30; x *= 0xBF58476D1CE4E5B9; x ^= x >> 27; x *= 0x94D049BB133111EB;
   x ^= x >> 31` (uint64 arithmetic, products mod 2**64).
2. Elements `2p` and `2p + 1` come from the pair of outputs `a = output(2p)`,
   `b = output(2p + 1)` by Box-Muller: `z[2p] = r cos(theta)`, `z[2p + 1] = r sin(theta)`
   with `r = sqrt(-2 ln u)`, `u = ((a >> 11) + 1) / 2**53` in (0, 1] and
   `theta = 2 pi (b >> 11) / 2**53`.
3. ln, cos and sin are not the platform's (C's libm and JavaScript's Math differ in the
   last bit); they are these float64 operation sequences, in which every +, -, *, /
   and sqrt is one IEEE-754 binary64 operation rounded to nearest (no fused
   multiply-add), so NumPy and JavaScript compute the same bits:
   - `m = (a >> 11) + 1` (exact), `t, e = frexp(m)` (m = t * 2**e, t in [0.5, 1));
     if `t < SQRT_HALF`: `t = 2 t`, `e = e - 1`; `s = (t - 1) / (t + 1)`, `w = s * s`;
     `P = LOG_SERIES[10]`, then for j = 9 .. 0: `P = P * w + LOG_SERIES[j]`;
     `ln u = (2 s) * P + (e - 53) * LN2`.
   - `k = b >> 11`; quadrant `q = k >> 51`; `f = (k & (2**51 - 1)) / 2**51` (exact);
     `y = f` if `f <= 0.5` else `1 - f` (exact); with `v = y * y`, Horner sums
     `S = y * (SIN[0] + v (SIN[1] + ...))` and `C = COS[0] + v (COS[1] + ...)` (each
     step `P = P * v + c`, from the highest coefficient) approximate sin and cos of
     `pi/2 * y`; if `f > 0.5` swap them (`S, C = C, S`). Then `(cos, sin)` of theta is
     `(C, S)`, `(-S, C)`, `(-C, -S)` or `(S, -C)` for q = 0, 1, 2, 3.
   - `z = float32(r * cos)` and `float32(r * sin)`, rounded to nearest even.
   The constants are the float64 values written below (`LOG_SERIES[j]` is the float64
   nearest to 1 / (2j + 1)). Each of ln, sin and cos is within 1e-15 of the true value.
4. Uniforms (the text samplers' token draws): uniform `i` of `seed` is
   `(output(UNIFORM_OFFSET + i) >> 11) / 2**53` in [0, 1) (exact in float64), with
   `UNIFORM_OFFSET = 2**63`, counters the normals never reach.

Files exported before kerasgen-v1 (metadata without `latent_generator`) drew z with
`numpy.random.default_rng(seed).standard_normal`, the generator named `numpy-pcg64`
here; the runtime keeps drawing their z that way.
"""

import secrets

import numpy as np

KERASGEN_V1 = "kerasgen-v1"
NUMPY_PCG64 = "numpy-pcg64"
GENERATORS = (KERASGEN_V1, NUMPY_PCG64)
DEFAULT_GENERATOR = KERASGEN_V1
# What metadata without a `latent_generator` field means (files exported before it).
LEGACY_GENERATOR = NUMPY_PCG64
SEED_LIMIT = 2**64
UNIFORM_OFFSET = 2**63

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
SQRT_HALF = 0.7071067811865476
LN2 = 0.6931471805599453
LOG_SERIES = tuple(1.0 / (2 * j + 1) for j in range(11))
SIN = (1.5707963267948966, -0.6459640975062463, 0.07969262624616705, -0.004681754135318688,
       0.00016044118478735983, -3.598843235212085e-06, 5.692172921967927e-08,
       -6.688035109811468e-10, 6.0669357311061955e-12, -4.377065467313742e-14)
COS = (1.0, -1.2337005501361697, 0.25366950790104803, -0.02086348076335296,
       0.0009192602748394266, -2.5202042373060607e-05, 4.710874778818172e-07,
       -6.386603083791852e-09, 6.565963114979473e-11, -5.294400200734623e-13)


def splitmix64(seed, counters):
    """SplitMix64 outputs number `counters` (uint64 array) of the stream seeded with `seed`."""
    with np.errstate(over="ignore"):
        x = np.uint64(seed) + (counters + np.uint64(1)) * GAMMA
        x = (x ^ (x >> np.uint64(30))) * MIX_1
        x = (x ^ (x >> np.uint64(27))) * MIX_2
    return x ^ (x >> np.uint64(31))


def horner(coefficients, v):
    total = np.full_like(v, coefficients[-1])
    for c in coefficients[-2::-1]:
        total = total * v + c
    return total


def portable_log(a):
    """ln(((a >> 11) + 1) / 2**53) for uint64 outputs `a`, as kerasgen-v1 specifies."""
    m = ((a >> np.uint64(11)) + np.uint64(1)).astype(np.float64)
    t, e = np.frexp(m)
    low = t < SQRT_HALF
    t = np.where(low, t * 2.0, t)
    e = (e - low - 53).astype(np.float64)
    s = (t - 1.0) / (t + 1.0)
    return (s * 2.0) * horner(LOG_SERIES, s * s) + e * LN2


def portable_cos_sin(b):
    """(cos, sin) of 2 pi (b >> 11) / 2**53 for uint64 outputs `b`, as kerasgen-v1 specifies."""
    k = b >> np.uint64(11)
    quadrant = (k >> np.uint64(51)).astype(np.int64)
    f = (k & np.uint64(2**51 - 1)).astype(np.float64) * 2.0**-51
    upper = f > 0.5
    y = np.where(upper, 1.0 - f, f)
    v = y * y
    s, c = y * horner(SIN, v), horner(COS, v)
    s, c = np.where(upper, c, s), np.where(upper, s, c)
    cos = np.choose(quadrant, [c, -s, -c, s])
    sin = np.choose(quadrant, [s, c, -s, -c])
    return cos, sin


def portable_normals(seed, start, count):
    """Elements `start .. start + count - 1` of seed `seed`'s kerasgen-v1 stream (float32)."""
    seed = check_seed(seed)
    first_pair, end_pair = start // 2, (start + count + 1) // 2
    pairs = np.arange(first_pair, end_pair, dtype=np.uint64)
    a, b = splitmix64(seed, pairs * np.uint64(2)), splitmix64(seed, pairs * np.uint64(2) + np.uint64(1))
    radius = np.sqrt(-2.0 * portable_log(a))
    cos, sin = portable_cos_sin(b)
    z = np.empty((len(pairs), 2), dtype=np.float32)
    z[:, 0], z[:, 1] = radius * cos, radius * sin  # float64 products rounded to float32
    offset = start - 2 * first_pair
    return z.reshape(-1)[offset : offset + count]


def portable_uniforms(seed, start, count):
    """Uniforms `start .. start + count - 1` of seed `seed` (kerasgen-v1 step 4), float64."""
    seed = check_seed(seed)
    counters = np.arange(start, start + count, dtype=np.uint64) + np.uint64(UNIFORM_OFFSET)
    return (splitmix64(seed, counters) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"seed must be an int in [0, 2**64) or None, got {seed!r}")
    return int(seed)


def check_generator(generator):
    if generator not in GENERATORS:
        raise ValueError(f"latent_generator must be one of {list(GENERATORS)}, got {generator!r}")
    return generator


def generator_of(metadata):
    """The latent generator an export's metadata names (files without the field: numpy-pcg64)."""
    return check_generator(metadata.get("latent_generator", LEGACY_GENERATOR))


def draw_latents(num_samples, latent_dim, seed=None, generator=DEFAULT_GENERATOR):
    """Draws `num_samples` standard-normal latent vectors as float32.

    Args:
        num_samples: positive int, how many vectors.
        latent_dim: positive int, their size.
        seed: int in [0, 2**64), or None for a fresh random seed.
        generator: `"kerasgen-v1"` (the portable generator above, the default) or
            `"numpy-pcg64"` (`numpy.random.default_rng(seed).standard_normal`, what
            files exported before kerasgen-v1 used).

    Returns:
        A float32 array of shape `(num_samples, latent_dim)`; row `r` depends only on
        `seed` and `r` (not on `num_samples`) under kerasgen-v1.
    """
    num_samples = check_positive_int("num_samples", num_samples)
    latent_dim = check_positive_int("latent_dim", latent_dim)
    return next(latent_batches(num_samples, latent_dim, seed, num_samples, generator))


def latent_batches(num_samples, latent_dim, seed=None, batch_size=256, generator=DEFAULT_GENERATOR):
    """Yields `draw_latents(num_samples, latent_dim, seed, generator=generator)` in
    consecutive batches: the same values, one batch in memory at a time."""
    check_positive_int("num_samples", num_samples)
    check_positive_int("latent_dim", latent_dim)
    batch_size = check_positive_int("batch_size", batch_size)
    check_generator(generator)
    if generator == NUMPY_PCG64:  # one stream, drawn in order
        rng = np.random.default_rng(seed)
        for start in range(0, num_samples, batch_size):
            yield rng.standard_normal((min(batch_size, num_samples - start), latent_dim)).astype("float32")
        return
    seed = secrets.randbits(64) if seed is None else check_seed(seed)
    for start in range(0, num_samples, batch_size):  # counter-based: each batch from its index
        count = min(batch_size, num_samples - start)
        yield portable_normals(seed, start * latent_dim, count * latent_dim).reshape(count, latent_dim)


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)
