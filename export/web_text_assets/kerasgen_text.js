// kerasgen's text page: samples a text model's exported decoder step in the browser.
//
// step.onnx maps (token [batch] int32, state [batch, hidden] float32, z [batch, latent]
// float32) to (logits, state_out); text_step.json holds its metadata (vocabulary,
// sizes). The loop below is kerasgen_runtime.text_sampler's: start from the
// beginning-of-sequence token and a zero state, choose each next token greedily or by
// temperature / top-k, stop at end of sequence. z and the token draws come from the seed
// with the generator text_step.json names: kerasgen-v1 (kerasgen.js's, the image page's
// implementation), as kerasgen_runtime.TextSampler and SequenceVAE.sample draw them, so a
// seed gives the same strings here and in Python. Exports without latent_generator
// (before kerasgen-v1) keep this page's old draws (mulberry32).
import * as ort from "./ort/ort.wasm.min.mjs";
import { drawLatents, mulberry32, portableUniforms } from "./kerasgen.js";

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmPaths = new URL("./ort/", import.meta.url).href;

const PAD = 0, BOS = 1, EOS = 2, UNK = 3, SPECIAL = 4;

// The draws of exports made before kerasgen-v1.
function standardNormal(random) {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function choose(logits, u, temperature, topK) {
  const values = Array.from(logits, (v, i) => (i === PAD || i === BOS || i === UNK ? -Infinity : v));
  if (temperature == null && topK == null) {
    return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
  }
  if (topK != null && topK < values.length) {
    const kth = [...values].sort((a, b) => b - a)[topK - 1];
    values.forEach((v, i) => { if (v < kth) values[i] = -Infinity; });
  }
  const peak = Math.max(...values), t = temperature ?? 1.0;
  const weights = values.map((v) => Math.exp((v - peak) / t));
  const total = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i];
    if (weights[i] > 0 && cumulative > u * total) return i;
  }
  return weights.length - 1;
}

export class TextModel {
  static async load(base = ".") {
    const metadata = await (await fetch(`${base}/text_step.json`)).json();
    const options = { executionProviders: ["wasm"] };
    const session = await ort.InferenceSession.create(`${base}/step.onnx`, options);
    const encoder = metadata.encoder ? await ort.InferenceSession.create(`${base}/${metadata.encoder}`, options) : null;
    return new TextModel(metadata, session, encoder);
  }

  constructor(metadata, session, encoder) {
    this.metadata = metadata;
    this.session = session;
    this.encoder = encoder;
  }

  // Token ids [n, max_length + 1] of strings: tokens, end of sequence, padding.
  ids(items) {
    const { vocabulary, max_length: maxLength, level } = this.metadata;
    const index = new Map(vocabulary.map((token, i) => [token, i + SPECIAL]));
    const ids = new Int32Array(items.length * (maxLength + 1));
    items.forEach((item, row) => {
      const tokens = level === "char" ? Array.from(item) : item.split(/\s+/).filter(Boolean);
      if (tokens.length > maxLength) throw new Error(`item ${JSON.stringify(item)} has ${tokens.length} tokens, more than max_length ${maxLength}`);
      tokens.forEach((token, t) => {
        if (!index.has(token)) throw new Error(`item ${JSON.stringify(item)} holds ${JSON.stringify(token)}, which is not in the model's vocabulary`);
        ids[row * (maxLength + 1) + t] = index.get(token);
      });
      ids[row * (maxLength + 1) + tokens.length] = EOS;
    });
    return new ort.Tensor("int32", ids, [items.length, maxLength + 1]);
  }

  // Greedy decodings of `steps` points on the line between the posterior means of a and b.
  async interpolate(a, b, steps = 5) {
    if (!this.encoder) throw new Error("this export has no encoder (a language model cannot interpolate)");
    const mean = (await this.encoder.run({ tokens: this.ids([a, b]) })).mean.data;
    const latent = this.metadata.latent_dim;
    const z = Array.from({ length: steps }, (_, s) => {
      const t = steps === 1 ? 0 : s / (steps - 1);
      return Array.from({ length: latent }, (_, i) => (1 - t) * mean[i] + t * mean[latent + i]);
    });
    return this.decode(z);
  }

  // Strings from codes z (an array of n arrays of latent_dim numbers). The token draws:
  // `u` (n * (max_length + 1) uniforms, row-major, as the runtime's) or `random()`.
  async decode(z, { temperature = null, topK = null, u = null, random = Math.random } = {}) {
    const { latent_dim: latent, hidden_units: hidden, max_length: maxLength, vocabulary } = this.metadata;
    const n = z.length;
    const codes = new ort.Tensor("float32", Float32Array.from(z.flat()), [n, latent]);
    let tokens = new Int32Array(n).fill(BOS);
    let state = new Float32Array(n * hidden);
    const out = Array.from({ length: n }, () => []);
    const done = new Array(n).fill(false);
    for (let t = 0; t <= maxLength && !done.every(Boolean); t++) {
      const result = await this.session.run({
        token: new ort.Tensor("int32", tokens, [n]),
        state: new ort.Tensor("float32", state, [n, hidden]),
        z: codes,
      });
      const logits = result.logits.data, size = logits.length / n;
      state = Float32Array.from(result.state_out.data);
      const next = new Int32Array(n);
      for (let row = 0; row < n; row++) {
        const draw = u ? u[row * (maxLength + 1) + t] : random();
        let chosen = choose(logits.subarray(row * size, (row + 1) * size), draw, temperature, topK);
        if (t === maxLength) chosen = EOS;
        if (done[row]) continue;
        if (chosen === EOS) done[row] = true;
        else out[row].push(vocabulary[chosen - SPECIAL]);
        next[row] = chosen;
      }
      tokens = next;
    }
    const separator = this.metadata.level === "char" ? "" : " ";
    return out.map((tokens) => tokens.join(separator));
  }

  // The n codes of the prior for `seed` (Float32Array, row-major): kerasgen-v1's z.
  latents(n, seed) {
    return drawLatents(n, this.metadata.latent_dim, seed, "kerasgen-v1");
  }

  // n strings from codes of the prior drawn from `seed` with the export's generator.
  async sample(n, seed, options = {}) {
    const latent = this.metadata.latent_dim, generator = this.metadata.latent_generator ?? null;
    if (generator === null) { // exported before kerasgen-v1: mulberry32, as this page drew then
      const random = mulberry32(seed);
      const z = Array.from({ length: n }, () => Array.from({ length: latent }, () => standardNormal(random)));
      return this.decode(z, { ...options, random });
    }
    if (generator !== "kerasgen-v1") throw new Error(`latent_generator must be kerasgen-v1, got ${generator}`);
    const flat = this.latents(n, seed);
    const z = Array.from({ length: n }, (_, row) => Array.from(flat.subarray(row * latent, (row + 1) * latent)));
    return this.decode(z, { ...options, u: portableUniforms(seed, 0, n * (this.metadata.max_length + 1)) });
  }
}

export async function start() {
  const body = document.body;
  try {
    const model = await TextModel.load();
    window.kerasgenText = model;
    const m = model.metadata;
    document.getElementById("model-info").textContent =
      `${m.model_class}: ${m.vocabulary.length} ${m.level}s, latent ${m.latent_dim}, at most ${m.max_length} tokens`;
    const form = document.getElementById("text-form");
    const number = (id) => (document.getElementById(id).value === "" ? null : Number(document.getElementById(id).value));
    const run = async () => {
      body.dataset.kerasgenState = "sampling";
      const strings = await model.sample(number("count"), number("seed"), { temperature: number("temperature"), topK: number("top-k") });
      const list = document.getElementById("samples");
      list.replaceChildren(...strings.map((s) => Object.assign(document.createElement("li"), { textContent: s })));
      body.dataset.kerasgenState = "ready";
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
    const between = document.getElementById("interpolate-form");
    between.hidden = !model.encoder;
    between.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = document.getElementById("interpolate-error");
      body.dataset.kerasgenState = "sampling";
      try {
        const path = await model.interpolate(document.getElementById("from").value,
                                             document.getElementById("to").value, number("steps"));
        document.getElementById("path").replaceChildren(
          ...path.map((s) => Object.assign(document.createElement("li"), { textContent: s })));
        error.hidden = true;
      } catch (failure) {
        error.hidden = false;
        error.textContent = failure.message;
      }
      body.dataset.kerasgenState = "ready";
    });
    await run();
  } catch (error) {
    const element = document.getElementById("error");
    element.hidden = false;
    element.textContent = String(error);
    body.dataset.kerasgenState = "error";
  }
}
