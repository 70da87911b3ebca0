// kerasgen's page module: samples a kerasgen ONNX export in the browser.
//
// It reads the export's kerasgen metadata from the .onnx file itself (onnxruntime-web
// does not expose a model's metadata_props, so the file's protobuf is walked here),
// draws z ~ N(0, I) from a seed (or loads z from a .npy/.json file the Python side
// wrote), runs onnxruntime-web's WebAssembly backend on one thread (no
// SharedArrayBuffer, so no special HTTP headers) and draws the samples on canvases.
//
// URL parameters of index.html: model (default model.onnx), seed, n (1 to MAX_SAMPLES),
// label (a class of a conditional model), z (a .npy float32/float64 [n, latent_dim]
// file, or .json: [[...], ...] or {"z": [[...], ...]}), label_map (a SPADE generator's
// map: .npy of ints or .json, [H, W] or [n, H, W], see loadLabelMap). model, z and
// label_map must be on the page's own origin (sameOrigin): a link to the page cannot
// make it run or show another site's files. For scripts: window.kerasgen
// (lastBatch, lastShape, metadata, timings, drawGrid, drawStrip, drawLatents,
// interpolate; for SPADE labelMap, presets, setLabelMap) and
// document.body.dataset.kerasgenState ("loading", "busy", "ready", "error" with
// data-kerasgen-error).

import * as ort from "./ort/ort.wasm.min.mjs";

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmPaths = new URL("./ort/", import.meta.url).href;

const PREFIX = "kerasgen.";
// The most samples one draw runs (the count field's max, ?n=, a z file's rows): more
// would hold the tab for minutes and gigabytes.
export const MAX_SAMPLES = 1024;
export const MAX_STEPS = 64; // interpolation steps, the steps field's max

/** `url` resolved against the page; refused unless it is on the page's own origin. */
export function sameOrigin(url, what) {
  const resolved = new URL(url, location.href);
  if (resolved.origin !== location.origin) {
    throw new Error(`${what} must be on this page's origin (${location.origin}), got ${JSON.stringify(String(url))}`);
  }
  return resolved.href;
}

/** A whole number in [1, max], or an error naming it. */
function checkCount(name, value, max) {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be a whole number from 1 to ${max}, got ${value}`);
  }
  return value;
}
const METADATA_PROPS = 14; // ModelProto field number of metadata_props (onnx.proto)

// ONNX metadata ------------------------------------------------------------------

function readVarint(bytes, pos) {
  let value = 0, scale = 1, byte;
  do {
    if (pos >= bytes.length) throw new Error("not an ONNX model (truncated protobuf)");
    byte = bytes[pos++];
    value += (byte & 0x7f) * scale; // arithmetic, not bit ops: lengths may pass 2^31
    scale *= 128;
  } while (byte & 0x80);
  return [value, pos];
}

function* protobufFields(bytes) {
  let pos = 0;
  while (pos < bytes.length) {
    let tag, length;
    [tag, pos] = readVarint(bytes, pos);
    const wire = tag % 8, number = Math.floor(tag / 8);
    if (wire === 0) [, pos] = readVarint(bytes, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      [length, pos] = readVarint(bytes, pos);
      if (pos + length > bytes.length) throw new Error("not an ONNX model (truncated protobuf)");
      yield [number, bytes.subarray(pos, pos + length)];
      pos += length;
    } else throw new Error(`not an ONNX model (protobuf wire type ${wire})`);
  }
}

/** kerasgen's fields from an ONNX file's metadata_props (`kerasgen.<field>` = JSON). */
export function readMetadata(bytes) {
  const text = new TextDecoder(), metadata = {};
  for (const [number, entry] of protobufFields(bytes)) {
    if (number !== METADATA_PROPS) continue;
    let key = "", value = "";
    for (const [n, v] of protobufFields(entry)) {
      if (n === 1) key = text.decode(v);
      else if (n === 2) value = text.decode(v);
    }
    if (key.startsWith(PREFIX)) metadata[key.slice(PREFIX.length)] = JSON.parse(value);
  }
  return metadata;
}

function checkMetadata(metadata, url) {
  const missing = ["latent_dim", "image_shape", "value_range"].filter((k) => !(k in metadata));
  if (missing.length) {
    throw new Error(`${url} has no kerasgen metadata ${JSON.stringify(missing)} (export it with kerasgen export)`);
  }
  if (!["decoder", "generator", "conditional_generator"].includes(metadata.network || "decoder")) {
    throw new Error(`${url} holds a VAE ${metadata.network}; the page needs a decoder or generator export`);
  }
  if (metadata.label_map_shape && metadata.label_map_encoding !== "class_indices") {
    throw new Error(`${url} takes label maps encoded as ${metadata.label_map_encoding}; the page feeds class_indices`);
  }
  if (metadata.prior === null) {
    throw new Error(`${url} holds the decoder of a ${metadata.model_class} whose latent has no prior: random codes decode to smudges`);
  }
  checkShape(`${url}: metadata latent_dim`, [metadata.latent_dim]);
  checkShape(`${url}: metadata image_shape`, metadata.image_shape);
  if (metadata.label_map_shape) checkShape(`${url}: metadata label_map_shape`, metadata.label_map_shape);
  return metadata;
}

// The runtime's bounds (kerasgen_runtime.metadata): each dimension at most 65,536, a
// sample at most 2^24 values, so a file's metadata cannot make the page allocate more.
const MAX_DIMENSION = 65536, MAX_SAMPLE_VALUES = 2 ** 24;

function checkShape(name, shape) {
  if (!Array.isArray(shape) || !shape.length || !shape.every((v) => Number.isInteger(v) && v > 0 && v <= MAX_DIMENSION)) {
    throw new Error(`${name} must hold whole numbers from 1 to ${MAX_DIMENSION}, got ${JSON.stringify(shape)}`);
  }
  const values = shape.reduce((a, b) => a * b, 1);
  if (values > MAX_SAMPLE_VALUES) throw new Error(`${name} ${JSON.stringify(shape)} holds ${values} values, more than ${MAX_SAMPLE_VALUES}`);
}

// Latents ------------------------------------------------------------------------

/**
 * mulberry32: a 32-bit seeded generator of uniforms in (0, 1). Seeds are taken as uint32.
 * What the page drew z with for files exported before kerasgen-v1 (no latent_generator
 * in their metadata; Python drew theirs with NumPy's PCG64, which the page cannot).
 */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967298;
  };
}

// kerasgen-v1, the portable generator: the same bits as kerasgen_runtime.latents (which
// specifies it). SplitMix64 outputs in BigInt; ln, sin and cos as fixed float64
// operation sequences (not Math.log/sin/cos, whose last bit differs between engines and
// from C's libm); JavaScript rounds every +, -, *, / and sqrt to nearest and never
// fuses a multiply-add, as NumPy does.
const MASK64 = (1n << 64n) - 1n;
const SQRT_HALF = 0.7071067811865476, LN2 = 0.6931471805599453;
const LOG_SERIES = Array.from({ length: 11 }, (_, j) => 1 / (2 * j + 1));
const SIN = [1.5707963267948966, -0.6459640975062463, 0.07969262624616705, -0.004681754135318688,
  0.00016044118478735983, -3.598843235212085e-06, 5.692172921967927e-08,
  -6.688035109811468e-10, 6.0669357311061955e-12, -4.377065467313742e-14];
const COS = [1.0, -1.2337005501361697, 0.25366950790104803, -0.02086348076335296,
  0.0009192602748394266, -2.5202042373060607e-05, 4.710874778818172e-07,
  -6.386603083791852e-09, 6.565963114979473e-11, -5.294400200734623e-13];
const UNIFORM_OFFSET = 1n << 63n;
const POW2 = Array.from({ length: 64 }, (_, b) => 2 ** b); // exact powers of two

/** SplitMix64's output `counter` (BigInt) of the stream seeded with `seed` (BigInt). */
export function splitmix64(seed, counter) {
  let x = (seed + (counter + 1n) * 0x9e3779b97f4a7c15n) & MASK64;
  x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return x ^ (x >> 31n);
}

function horner(coefficients, v) {
  let total = coefficients[coefficients.length - 1];
  for (let j = coefficients.length - 2; j >= 0; j--) total = total * v + coefficients[j];
  return total;
}

/** ln(((a >> 11) + 1) / 2**53), as kerasgen-v1 specifies. */
function portableLog(a) {
  const m = Number(a >> 11n) + 1; // an integer in [1, 2**53]: exact
  const high = Math.floor(m / POW2[32]);
  let e = high ? 64 - Math.clz32(high) : 32 - Math.clz32(m); // frexp's exponent
  let t = m / POW2[e]; // in [0.5, 1), exact
  if (t < SQRT_HALF) { t = t * 2; e -= 1; }
  const s = (t - 1) / (t + 1);
  return (s * 2) * horner(LOG_SERIES, s * s) + (e - 53) * LN2;
}

/** [cos, sin] of 2 pi (b >> 11) / 2**53, as kerasgen-v1 specifies. */
function portableCosSin(b) {
  const k = b >> 11n, quadrant = Number(k >> 51n);
  const f = Number(k & ((1n << 51n) - 1n)) / POW2[51], upper = f > 0.5;
  const y = upper ? 1 - f : f, v = y * y;
  let s = y * horner(SIN, v), c = horner(COS, v);
  if (upper) [s, c] = [c, s];
  return [[c, s], [-s, c], [-c, -s], [s, -c]][quadrant];
}

function checkSeed(seed) {
  const value = typeof seed === "bigint" ? seed : Number.isSafeInteger(seed) ? BigInt(seed) : -1n;
  if (value < 0n || value > MASK64) throw new Error(`seed must be an int in [0, 2**64), got ${seed}`);
  return value;
}

/** Elements `start .. start + count - 1` of seed `seed`'s kerasgen-v1 stream (Float32Array). */
export function portableNormals(seed, start, count) {
  const key = checkSeed(seed), out = new Float32Array(count);
  for (let p = Math.floor(start / 2); 2 * p < start + count; p++) {
    const radius = Math.sqrt(-2 * portableLog(splitmix64(key, BigInt(2 * p))));
    const [cos, sin] = portableCosSin(splitmix64(key, BigInt(2 * p + 1)));
    if (2 * p >= start) out[2 * p - start] = radius * cos;
    if (2 * p + 1 >= start && 2 * p + 1 < start + count) out[2 * p + 1 - start] = radius * sin;
  }
  return out;
}

/**
 * Uniforms `start .. start + count - 1` in [0, 1) of seed `seed` (Float64Array):
 * kerasgen-v1's step 4, `(splitmix64(seed, 2**63 + i) >> 11) / 2**53`, exact. The text
 * page's token draws (kerasgen_runtime.latents.portable_uniforms).
 */
export function portableUniforms(seed, start, count) {
  const key = checkSeed(seed), out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Number(splitmix64(key, UNIFORM_OFFSET + BigInt(start + i)) >> 11n) / POW2[53];
  return out;
}

/**
 * `n * dim` standard normals (row-major Float32Array) from `seed` with the generator an
 * export's metadata names: "kerasgen-v1" (the same z as Python's), or, for files exported
 * before it (no latent_generator), mulberry32 + Box-Muller as the page drew them then.
 */
export function drawLatents(n, dim, seed, generator = "kerasgen-v1") {
  if (generator === "kerasgen-v1") return portableNormals(seed, 0, n * dim);
  if (generator != null && generator !== "numpy-pcg64") {
    throw new Error(`latent_generator must be kerasgen-v1 or numpy-pcg64, got ${generator}`);
  }
  const uniform = mulberry32(seed), z = new Float32Array(n * dim);
  for (let i = 0; i < z.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform())), angle = 2 * Math.PI * uniform();
    z[i] = radius * Math.cos(angle);
    if (i + 1 < z.length) z[i + 1] = radius * Math.sin(angle);
  }
  return z;
}

// Test vectors of kerasgen-v1: the float32 bits of elements 0-3 for three seeds, as
// kerasgen_runtime.latents.portable_normals gives them (tests/export/test_web_portable.py).
export const KERASGEN_V1_VECTORS = [
  [0, [3202863069, 1045741727, 1076470663, 3204126899]],
  [7, [1068414993, 1041497439, 3200976177, 3194556162]],
  [2 ** 53 - 1, [1060652314, 1072353492, 3173191720, 1066420119]],
];

/**
 * `?verify=1`: checks this browser's kerasgen-v1 draws against the test vectors, bit for
 * bit; returns `{passed, checked, failures}` (failures name the seed and element).
 */
export function verifyLatentGenerator() {
  const failures = [];
  let checked = 0;
  for (const [seed, bits] of KERASGEN_V1_VECTORS) {
    const got = new Uint32Array(portableNormals(seed, 0, bits.length).buffer);
    bits.forEach((expected, i) => {
      checked += 1;
      if (got[i] !== expected) failures.push(`seed ${seed} element ${i}: bits ${got[i]}, expected ${expected}`);
    });
  }
  return { passed: failures.length === 0, checked, failures };
}

/** `steps` points from a to b, "linear" or "slerp" (as kerasgen's VAE.interpolate). */
export function interpolate(a, b, steps, method = "slerp") {
  if (method !== "linear" && method !== "slerp") throw new Error(`method must be linear or slerp, got ${method}`);
  const dim = a.length, z = new Float32Array(steps * dim);
  let dot = 0, normA = 0, normB = 0;
  for (let i = 0; i < dim; i++) { dot += a[i] * b[i]; normA += a[i] * a[i]; normB += b[i] * b[i]; }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / (Math.sqrt(normA) * Math.sqrt(normB) + 1e-12))));
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    let wa = 1 - t, wb = t;
    if (method === "slerp" && omega >= 1e-6) {
      wa = Math.sin((1 - t) * omega) / Math.sin(omega);
      wb = Math.sin(t * omega) / Math.sin(omega);
    }
    for (let i = 0; i < dim; i++) z[s * dim + i] = wa * a[i] + wb * b[i];
  }
  return z;
}

/** z from a .npy (float32/float64, C order, 2-D) or .json file: `{data: Float32Array, shape}`. */
export async function loadLatents(url) {
  const response = await fetch(sameOrigin(url, "z"));
  if (!response.ok) throw new Error(`z file ${url}: HTTP ${response.status}`);
  if (url.split("?")[0].endsWith(".npy")) return parseNpy(await response.arrayBuffer(), url);
  let rows = await response.json();
  if (rows && !Array.isArray(rows)) rows = rows.z;
  if (!Array.isArray(rows) || !rows.length || !rows.every((r) => Array.isArray(r) && r.length === rows[0].length)) {
    throw new Error(`z file ${url} must hold [[...], ...] or {"z": [[...], ...]} (rows of equal length)`);
  }
  return { data: Float32Array.from(rows.flat()), shape: [rows.length, rows[0].length] };
}

function npyArray(buffer, url, what) {
  const bytes = new Uint8Array(buffer), view = new DataView(buffer);
  if (String.fromCharCode(...bytes.subarray(1, 6)) !== "NUMPY") throw new Error(`${what} ${url} is not a .npy file`);
  const [start, length] = bytes[6] === 1 ? [10, view.getUint16(8, true)] : [12, view.getUint32(8, true)];
  const header = new TextDecoder().decode(bytes.subarray(start, start + length));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] || "").split(",").filter((s) => s.trim()).map(Number);
  const fortran = /'fortran_order':\s*True/.test(header);
  return { descr, shape, fortran, header: header.trim(), body: buffer.slice(start + length) };
}

function parseNpy(buffer, url) {
  const { descr, shape, fortran, header, body } = npyArray(buffer, url, "z file");
  if (fortran || shape.length !== 2 || !["<f4", "<f8"].includes(descr)) {
    throw new Error(`z file ${url} must be a C-order float32/float64 array of shape (n, latent_dim), got ${header}`);
  }
  const data = descr === "<f4" ? new Float32Array(body) : Float32Array.from(new Float64Array(body));
  return { data, shape };
}

// Label maps (SPADE) -----------------------------------------------------------------

const INT_ARRAYS = { "|u1": Uint8Array, "|i1": Int8Array, "<u2": Uint16Array, "<i2": Int16Array,
  "<u4": Uint32Array, "<i4": Int32Array, "<i8": BigInt64Array, "<u8": BigUint64Array };

/**
 * Label maps from a .npy (a C-order int array, `np.save` of int64, int32 or uint8 ...) or
 * .json file (`[[...], ...]` or `{"label_map": ...}`), shape `[H, W]` (one map) or
 * `[n, H, W]`: `{data: Int32Array, shape: [count, H, W]}`, checked against the model.
 */
export async function loadLabelMap(url, mapShape, numClasses) {
  const response = await fetch(sameOrigin(url, "label_map"));
  if (!response.ok) throw new Error(`label_map file ${url}: HTTP ${response.status}`);
  let data, shape;
  if (url.split("?")[0].endsWith(".npy")) {
    const array = npyArray(await response.arrayBuffer(), url, "label_map file");
    if (array.fortran || !(array.descr in INT_ARRAYS)) {
      throw new Error(`label_map file ${url} must be a C-order int array, got ${array.header}`);
    }
    const values = new INT_ARRAYS[array.descr](array.body);
    data = Int32Array.from(values, Number);
    shape = array.shape;
  } else {
    let rows = await response.json();
    if (rows && !Array.isArray(rows)) rows = rows.label_map;
    shape = [];
    for (let level = rows; Array.isArray(level); level = level[0]) shape.push(level.length);
    data = Int32Array.from(Array.isArray(rows) ? rows.flat(2) : [], Number);
    if (data.length !== shape.reduce((a, b) => a * b, 1) || !data.length) {
      throw new Error(`label_map file ${url} must hold [[...], ...] or {"label_map": [[...], ...]} (rows of equal length)`);
    }
  }
  if (shape.length === 2) shape = [1, ...shape];
  if (shape.length !== 3 || shape[1] !== mapShape[0] || shape[2] !== mapShape[1]) {
    throw new Error(`label_map file ${url} has shape [${shape}], expected [${mapShape}] or [n, ${mapShape}]`);
  }
  checkClasses(data, numClasses, `label_map file ${url}`);
  return { data, shape };
}

function checkClasses(data, numClasses, what) {
  for (const value of data) {
    if (!(Number.isInteger(value) && value >= 0 && value < numClasses)) {
      throw new Error(`${what} must hold classes in [0, ${numClasses - 1}], got ${value}`);
    }
  }
}

/**
 * Preset maps `{name: Int32Array(H * W)}` drawn for any map shape and class count:
 * "scene" (a disc, a box and a triangle on the background, classes 1, 2, 3 as in
 * kerasgen.layouts), "halves", "stripes" (every class, top to bottom) and "blank".
 */
export function presetMaps([height, width], numClasses) {
  const cls = (k) => (numClasses > 1 ? 1 + ((k - 1) % (numClasses - 1)) : 0);
  const make = (f) => {
    const map = new Int32Array(height * width);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) map[y * width + x] = f(y / height, x / width);
    return map;
  };
  const scene = (v, u) => {
    if ((u - 0.27) ** 2 + (v - 0.3) ** 2 < 0.2 ** 2) return cls(1);
    if (u > 0.55 && u < 0.92 && v > 0.1 && v < 0.5) return cls(2);
    if (v > 0.55 && v < 0.92 && Math.abs(u - 0.5) < (v - 0.55) * 0.8) return cls(3);
    return 0;
  };
  return {
    scene: make(scene),
    halves: make((v, u) => (u < 0.5 ? 0 : cls(1))),
    stripes: make((v) => Math.min(numClasses - 1, Math.floor(v * numClasses))),
    blank: make(() => 0),
  };
}

const PALETTE = ["#3c3c3c", "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
  "#bcf60c", "#fabebe", "#008080", "#9a6324"];
const classColor = (k) => PALETTE[k] || `hsl(${(k * 137.5) % 360} 70% 50%)`;

/**
 * A canvas to paint a label map on: one canvas pixel per map pixel, each class in its
 * colour; a drag paints a disc of `brush().size` pixels of class `brush().label`,
 * `onChange(map)` follows each stroke (on pointer up).
 */
class LabelMapEditor {
  constructor(canvas, [height, width], brush, onChange, scale = 8) {
    Object.assign(this, { canvas, height, width, brush, onChange, map: new Int32Array(height * width) });
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = `${width * scale}px`;
    canvas.style.touchAction = "none";
    let painting = false;
    canvas.addEventListener("pointerdown", (event) => {
      painting = true;
      canvas.setPointerCapture(event.pointerId);
      this.paintAt(event);
    });
    canvas.addEventListener("pointermove", (event) => painting && this.paintAt(event));
    canvas.addEventListener("pointerup", () => {
      if (!painting) return;
      painting = false;
      this.onChange(this.map);
    });
  }

  set(map) {
    this.map = Int32Array.from(map);
    this.draw();
  }

  paintAt(event) {
    const rect = this.canvas.getBoundingClientRect(), { label, size } = this.brush();
    const cx = ((event.clientX - rect.left) / rect.width) * this.width, cy = ((event.clientY - rect.top) / rect.height) * this.height;
    const radius = Math.max(0.5, size / 2);
    for (let y = Math.max(0, Math.floor(cy - radius)); y < Math.min(this.height, Math.ceil(cy + radius)); y++) {
      for (let x = Math.max(0, Math.floor(cx - radius)); x < Math.min(this.width, Math.ceil(cx + radius)); x++) {
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius ** 2) this.map[y * this.width + x] = label;
      }
    }
    this.draw();
  }

  draw() {
    const context = this.canvas.getContext("2d");
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        context.fillStyle = classColor(this.map[y * this.width + x]);
        context.fillRect(x, y, 1, 1);
      }
    }
  }
}

// The network ----------------------------------------------------------------------

// How each graph input is fed, by name. A new kind of generator adds its input here.
const INPUT_BUILDERS = {
  z: (generator, z, n) => new ort.Tensor("float32", z, [n, generator.latentDim]),
  label: (generator, z, n, options) => {
    const classes = generator.metadata.num_classes, label = options.label;
    if (label != null && !(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new Error(`label must be an int in [0, ${classes - 1}], got ${label}`);
    }
    const labels = new BigInt64Array(n); // null cycles through the classes, as Sampler does
    for (let i = 0; i < n; i++) labels[i] = BigInt(label == null ? i % classes : label);
    return new ort.Tensor("int64", labels, [n]);
  },
  // SPADE: int64 class indices [n, H, W] (label_map_encoding "class_indices"; one-hot
  // inside the graph); options.labelMap is one map (repeated) or n maps, Int32Array.
  label_map: (generator, z, n, options) => {
    const [height, width] = generator.metadata.label_map_shape, size = height * width, map = options.labelMap;
    if (!map || (map.length !== size && map.length !== n * size)) {
      throw new Error(`label_map must hold ${height}x${width} (or ${n}x${height}x${width}) class indices, got ${map ? map.length : "none"}`);
    }
    checkClasses(map, generator.metadata.num_classes, "label_map");
    const data = new BigInt64Array(n * size);
    for (let i = 0; i < data.length; i++) data[i] = BigInt(map[i % map.length]);
    return new ort.Tensor("int64", data, [n, height, width]);
  },
};

export class Generator {
  static async load(url) {
    const response = await fetch(sameOrigin(url, "model"));
    if (!response.ok) throw new Error(`model ${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const metadata = checkMetadata(readMetadata(bytes), url);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
    const unknown = session.inputNames.filter((name) => !(name in INPUT_BUILDERS));
    if (unknown.length) throw new Error(`${url} takes inputs ${JSON.stringify(unknown)} that this page cannot feed`);
    return new Generator(session, metadata);
  }

  constructor(session, metadata) {
    this.session = session;
    this.metadata = metadata;
    this.latentDim = metadata.latent_dim;
    this.output = (metadata.outputs || session.outputNames)[0];
  }

  /** Runs the network on `z` (Float32Array, n * latent_dim); returns `{data, shape}`. */
  async run(z, options = {}) {
    if (z.length === 0 || z.length % this.latentDim) {
      throw new Error(`z must hold n * ${this.latentDim} values, got ${z.length}`);
    }
    if (options.label != null && !this.session.inputNames.includes("label")) {
      throw new Error(`label must be empty: the model is not conditional, got ${options.label}`);
    }
    const n = z.length / this.latentDim, feeds = {};
    for (const name of this.session.inputNames) feeds[name] = INPUT_BUILDERS[name](this, z, n, options);
    const result = (await this.session.run(feeds))[this.output];
    const shape = result.dims.map(Number), expected = [n, ...this.metadata.image_shape];
    if (JSON.stringify(shape) !== JSON.stringify(expected)) {
      throw new Error(`the model returned samples of shape [${shape}], expected [${expected}] (its metadata's image_shape)`);
    }
    if (!result.data.every(Number.isFinite)) throw new Error("the model returned NaN or inf");
    return { data: result.data, shape };
  }
}

// Drawing --------------------------------------------------------------------------

const PADDING = 2, PAD_VALUE = 128; // as kerasgen_runtime.images.image_grid

function dataRange(data) {
  let low = Infinity, high = -Infinity;
  for (const value of data) { low = Math.min(low, value); high = Math.max(high, value); }
  return [low, high > low ? high : low + 1];
}

/**
 * Draws a batch on `canvas`: images `[n, h, w, c]` tiled `columns` wide (value_range
 * mapped to 0..255, an unbounded side stretched to the batch), vectors `[n, d]` as a
 * scatter plot of their first two values (a path when `path`, e.g. an interpolation).
 */
export function drawBatch(canvas, batch, valueRange, columns, { scale = 3, path = false } = {}) {
  if (batch.shape.length === 2) return drawPoints(canvas, batch, path);
  const [n, height, width, channels] = batch.shape;
  let [low, high] = valueRange;
  if (low == null || high == null) {
    const [dataLow, dataHigh] = dataRange(batch.data);
    [low, high] = [low ?? dataLow, high ?? dataHigh];
  }
  const rows = Math.ceil(n / columns), stepY = height + PADDING, stepX = width + PADDING;
  canvas.width = columns * stepX + PADDING;
  canvas.height = rows * stepY + PADDING;
  canvas.style.width = `${canvas.width * scale}px`; // height follows (CSS height: auto)
  const context = canvas.getContext("2d"), image = context.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < image.data.length; i += 4) image.data.set([PAD_VALUE, PAD_VALUE, PAD_VALUE, 255], i);
  const factor = 255 / (high - low);
  for (let k = 0; k < n; k++) {
    const top = PADDING + Math.floor(k / columns) * stepY, left = PADDING + (k % columns) * stepX;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const source = ((k * height + y) * width + x) * channels, target = ((top + y) * canvas.width + left + x) * 4;
        for (let c = 0; c < 3; c++) {
          const value = batch.data[source + (channels >= 3 ? c : 0)];
          image.data[target + c] = Math.min(255, Math.max(0, Math.round((value - low) * factor)));
        }
        image.data[target + 3] = 255;
      }
    }
  }
  context.putImageData(image, 0, 0);
}

function drawPoints(canvas, batch, path, size = 360) {
  const [n, dim] = batch.shape, x = (k) => batch.data[k * dim], y = (k) => (dim > 1 ? batch.data[k * dim + 1] : 0);
  let extent = 0;
  for (let k = 0; k < n; k++) extent = Math.max(extent, Math.abs(x(k)), Math.abs(y(k)));
  const half = size / 2, unit = (0.9 * half) / (extent || 1);
  canvas.width = canvas.height = size;
  canvas.style.width = `${size}px`;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, size, size);
  context.strokeStyle = "#ccc";
  context.beginPath();
  context.moveTo(0, half); context.lineTo(size, half); context.moveTo(half, 0); context.lineTo(half, size);
  context.stroke();
  context.fillStyle = context.strokeStyle = "#1f5fbf";
  if (path) context.beginPath();
  for (let k = 0; k < n; k++) {
    const px = half + x(k) * unit, py = half - y(k) * unit;
    if (path) context.lineTo(px, py);
    context.fillRect(px - 1.5, py - 1.5, 3, 3);
  }
  if (path) context.stroke();
}

// The page ------------------------------------------------------------------------

/** `?verify=1`: runs verifyLatentGenerator, keeps the result in `api.selfTest` and says it. */
function reportSelfTest(api) {
  const result = (api.selfTest = verifyLatentGenerator());
  const line = result.passed
    ? `self-test PASS: kerasgen-v1 gives the ${result.checked} reference values bit for bit in this browser`
    : `self-test FAIL: ${result.failures[0]}`;
  document.getElementById("self-test").textContent = line;
  document.getElementById("self-test").hidden = false;
}

function setState(state, message) {
  document.body.dataset.kerasgenState = state;
  if (message) document.body.dataset.kerasgenError = message;
  const status = document.getElementById("status");
  if (status && message) status.textContent = message;
}

function intParam(params, name, fallback) {
  const text = params.get(name);
  if (text === null || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

function describe(metadata) {
  const source = metadata.source || {};
  const parts = [source.zoo_entry || source.file || "model", metadata.model_class, `latent_dim ${metadata.latent_dim}`,
    `samples ${metadata.image_shape.join("x")}`];
  if (metadata.num_classes) parts.push(`${metadata.num_classes} classes`);
  if (metadata.label_map_shape) parts.push(`label map ${metadata.label_map_shape.join("x")}`);
  return parts.filter(Boolean).join(" · ");
}

/**
 * SPADE: shows the label map section (a canvas to paint on, a brush class and size,
 * presets) and sets api.labelMap: the map of ?label_map= (its first, if it holds
 * several; all of them feed the first grid, returned), else the "scene" preset.
 * Painting a stroke or picking a preset calls `redraw`.
 */
async function setupLabelMap(api, generator, params, redraw) {
  const $ = (id) => document.getElementById(id), metadata = generator.metadata, shape = metadata.label_map_shape;
  const size = shape[0] * shape[1], presets = presetMaps(shape, metadata.num_classes);
  for (let k = 0; k < metadata.num_classes; k++) {
    const option = new Option(`${k} ■`, String(k));
    option.style.color = classColor(k);
    $("brush-class").add(option);
  }
  const showBrush = () => ($("brush-class").style.color = classColor(Number($("brush-class").value)));
  $("brush-class").value = String(Math.min(1, metadata.num_classes - 1));
  $("brush-class").addEventListener("change", showBrush);
  showBrush();
  for (const name of Object.keys(presets)) $("preset").add(new Option(name, name));
  const brush = () => ({ label: Number($("brush-class").value), size: Number($("brush-size").value) });
  const editor = new LabelMapEditor($("label-map"), shape, brush, (map) => {
    api.labelMap = Int32Array.from(map);
    $("preset").value = "";
    redraw();
  });
  api.presets = presets;
  api.setLabelMap = (map) => {
    checkClasses(map, metadata.num_classes, "label_map");
    if (map.length !== size) throw new Error(`label_map must hold ${shape.join("x")} class indices, got ${map.length}`);
    editor.set(map);
    api.labelMap = Int32Array.from(map);
  };
  $("preset").addEventListener("change", () => {
    if (!$("preset").value) return;
    api.setLabelMap(presets[$("preset").value]);
    redraw();
  });
  $("label-map-section").hidden = false;
  let maps = null;
  if (params.get("label_map")) {
    maps = await loadLabelMap(params.get("label_map"), shape, metadata.num_classes);
    api.setLabelMap(maps.data.subarray(0, size));
    $("preset").value = "";
  } else {
    api.setLabelMap(presets.scene);
    $("preset").value = "scene";
  }
  return maps && maps.data;
}

/** Wires index.html: loads the model, draws the first grid, then follows the forms. */
export async function start() {
  const api = (window.kerasgen = { lastBatch: null, lastShape: null, runs: 0, timings: {} });
  const $ = (id) => document.getElementById(id);
  setState("loading");
  try {
    const params = new URLSearchParams(location.search);
    if (params.get("verify") === "1") reportSelfTest(api);
    const started = performance.now();
    const generator = await Generator.load(params.get("model") || "model.onnx");
    api.timings.loadMs = performance.now() - started;
    const metadata = (api.metadata = generator.metadata);
    $("model-info").textContent = describe(metadata);
    const conditional = generator.session.inputNames.includes("label");
    if (conditional) {
      // A class folder's names (metadata class_names) where the model records them
      const names = metadata.class_names || [];
      for (let k = 0; k < metadata.num_classes; k++) $("class").add(new Option(names[k] ?? String(k), String(k)));
      if (names.length) $("class").options[0].text = `all (${names.slice(0, 2).join(", ")}, …)`;
      $("class-field").hidden = false;
    }
    // Every draw sets lastBatch/lastShape; state is "busy" while a draw from the forms or
    // the API runs, "ready" after it.
    const run = async (z, options, canvas, columns) => {
      const batch = await generator.run(z, options);
      drawBatch(canvas, batch, metadata.value_range, columns, { path: canvas.id === "strip" });
      Object.assign(api, { lastBatch: batch.data, lastShape: batch.shape, runs: api.runs + 1 });
      return batch;
    };
    // SPADE: every draw uses the map on the canvas (api.labelMap), or maps given to it
    const grid = ({ seed = 0, n = 64, label = null, z = null, labelMap = api.labelMap } = {}) => {
      if (z) checkCount("z rows", z.length / generator.latentDim, MAX_SAMPLES);
      z = z ? Float32Array.from(z)
        : drawLatents(checkCount("n", n, MAX_SAMPLES), generator.latentDim, seed, metadata.latent_generator ?? null);
      return run(z, { label, labelMap }, $("grid"), Math.ceil(Math.sqrt(z.length / generator.latentDim)));
    };
    const strip = ({ seedA = 1, seedB = 2, steps = 10, method = "slerp", label = null } = {}) => {
      checkCount("steps", steps, MAX_STEPS);
      const a = drawLatents(1, generator.latentDim, seedA, metadata.latent_generator ?? null);
      const b = drawLatents(1, generator.latentDim, seedB, metadata.latent_generator ?? null);
      return run(interpolate(a, b, steps, method), { label: label ?? (conditional ? 0 : null), labelMap: api.labelMap },
        $("strip"), steps);
    };
    const withState = (draw) => async (options) => {
      setState("busy");
      $("status").textContent = "";
      const batch = await draw(options);
      setState("ready");
      return batch;
    };
    Object.assign(api, { drawLatents, interpolate, drawGrid: withState(grid), drawStrip: withState(strip) });
    const formLabel = () => ($("class").value === "" ? null : Number($("class").value));
    const fail = (error) => setState("error", String(error.message || error));
    $("grid-form").addEventListener("submit", (event) => {
      event.preventDefault();
      api.drawGrid({ seed: Number($("seed").value), n: Number($("count").value), label: formLabel() }).catch(fail);
    });
    $("strip-form").addEventListener("submit", (event) => {
      event.preventDefault();
      api.drawStrip({ seedA: Number($("seed-a").value), seedB: Number($("seed-b").value), steps: Number($("steps").value),
        method: $("method").value, label: formLabel() }).catch(fail);
    });

    let labelMaps = null;
    if (metadata.label_map_shape) labelMaps = await setupLabelMap(api, generator, params, () => $("grid-form").requestSubmit());

    const named = (metadata.class_names || []).indexOf(params.get("label")); // ?label=square
    const label = named >= 0 ? named : params.has("label") ? intParam(params, "label") : null;
    if (label !== null) $("class").value = String(label);
    $("seed").value = intParam(params, "seed", 0);
    $("count").value = checkCount("n", intParam(params, "n", 64), MAX_SAMPLES);
    let z = null;
    if (params.get("z")) {
      const latents = await loadLatents(params.get("z"));
      if (latents.shape[1] !== generator.latentDim) {
        throw new Error(`z file ${params.get("z")} has shape [${latents.shape}], expected [n, ${generator.latentDim}]`);
      }
      z = latents.data;
      $("status").textContent = `grid: z from ${params.get("z")} (${latents.shape[0]} rows), not from the seed`;
    }
    const first = await grid({ seed: Number($("seed").value), n: Number($("count").value), label, z,
      labelMap: labelMaps ?? api.labelMap });
    api.timings.firstGridMs = performance.now(); // since navigation start
    await strip({ label });
    // scripts read the grid first: lastBatch is the grid's until the next draw
    Object.assign(api, { lastBatch: first.data, lastShape: first.shape });
    setState("ready");
  } catch (error) {
    setState("error", String(error.message || error));
  }
}
