"""How far apart SPADE's seed-7 grids are in the page, the runtime and Keras, and each from float64.

Exports a SPADE generator as a web page (the tiny SPADE of the tests, weights from
`--weight-seed`, or a zoo entry with `--entry`), opens `index.html?seed=7&n=9` in headless
Chromium (Debian's chromium via Playwright) and prints max |diff| between the page's grid,
`SPADESampler`'s (onnxruntime) and `model.sample`'s (Keras) for the page's `scene` map,
and, for the tiny SPADE, each one's max |diff| from the same generator computed in
float64 by Keras. `--keep-reduce-mean` exports without the `GlobalAveragePool` form of
the spatial means (`kerasgen.export.rewrites.spatial_mean_as_pool`), as exports were
before it. Measured (README, "Where the math libraries still differ"): tiny SPADE, weight
seeds 0-2, page vs runtime 1.7e-6 to 2.5e-6, page vs Keras 2.6e-6 to 3.4e-6; spade_layouts
4.1e-6 and 4.6e-6. Why they stay a few 1e-6 apart (float32's own error for this network,
not one op's): `benchmarks/spade_float32_floor.py`.

    npm ci && python benchmarks/web_spade_gap.py [--weight-seed 0] [--entry spade_layouts]
        [--keep-reduce-mean]
"""

import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SEED, COUNT = 7, 9


def page_grid(url):
    from playwright.sync_api import sync_playwright

    from benchmarks.web_page import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("KERASGEN_CHROMIUM", "/usr/bin/chromium"),
                                             headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("['ready', 'error'].includes(document.body.dataset.kerasgenState)", timeout=300_000)
        state, error = page.evaluate("[document.body.dataset.kerasgenState, document.body.dataset.kerasgenError]")
        if state != "ready":
            raise SystemExit(f"the page failed: {error}")
        data, shape = page.evaluate("[Array.from(window.kerasgen.lastBatch), window.kerasgen.lastShape]")
        label_map = page.evaluate("Array.from(window.kerasgen.labelMap)")
        browser.close()
    return np.asarray(data, dtype="float32").reshape(shape), np.asarray(label_map)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weight-seed", type=int, default=0, help="keras.utils.set_random_seed for the tiny SPADE")
    parser.add_argument("--entry", help="a zoo SPADE entry instead of the tiny SPADE")
    parser.add_argument("--keep-reduce-mean", action="store_true", help="export without the GlobalAveragePool form")
    args = parser.parse_args(argv)
    import keras

    from kerasgen.export import rewrites
    from kerasgen.export.web import serve, to_web
    from kerasgen_runtime import SPADESampler
    from tests.export.float_engines import float64_copy

    if args.entry:
        import kerasgen.zoo

        model = kerasgen.zoo.load(args.entry)
    else:
        from tests.models.spade_checks import tiny_spade

        keras.utils.set_random_seed(args.weight_seed)
        model = tiny_spade()
    if args.keep_reduce_mean:
        rewrites.spatial_mean_as_pool = lambda proto: (proto, [])
    root = tempfile.mkdtemp()
    to_web(model, os.path.join(root, "spade"))
    server = serve(root)
    try:
        grid, label_map = page_grid(f"http://127.0.0.1:{server.server_port}/spade/index.html?seed={SEED}&n={COUNT}")
    finally:
        server.shutdown()
    label_map = label_map.reshape(model.map_shape)
    runtime = SPADESampler(os.path.join(root, "spade", "model.onnx")).sample(label_map, COUNT, seed=SEED)
    grids = {"page": grid, "runtime": runtime, "keras": model.sample(COUNT, seed=SEED, label_maps=label_map)}
    gap = lambda a, b: float(np.abs(grids[a] - grids[b]).max())  # noqa: E731
    print(f"{args.entry or f'tiny SPADE, weight seed {args.weight_seed}'}"
          f"{', ReduceMean kept' if args.keep_reduce_mean else ''}: seed {SEED}, {COUNT} samples, the scene map")
    print(f"  max |diff| page-runtime {gap('page', 'runtime'):.2e}  page-keras {gap('page', 'keras'):.2e}  "
          f"runtime-keras {gap('runtime', 'keras'):.2e}")
    if not args.entry:
        from kerasgen_runtime.latents import draw_latents

        z = draw_latents(COUNT, model.latent_dim, SEED).astype("float64")
        exact = keras.ops.convert_to_numpy(float64_copy(model.generator)(
            [z, np.repeat(label_map[None], COUNT, axis=0)], training=False))
        print("  max |diff| from float64: " + "  ".join(
            f"{name} {np.abs(value - exact).max():.2e}" for name, value in grids.items()))


if __name__ == "__main__":
    main()
