"""Size of the `kerasgen export --format web` page and its first-grid latency in headless Chromium.

Exports a zoo entry (or takes an existing export with `--site`), serves it on 127.0.0.1
and loads `index.html` `--repeats` times, each in a fresh browser profile (cold cache),
with Debian's chromium driven by Playwright. Prints the page's own size (kerasgen's
files, without onnxruntime-web and the model), those two sizes, and the time from
navigation start to the first drawn grid (`window.kerasgen.timings.firstGridMs`:
fetching the files, compiling the wasm, creating the session, drawing z and running
the default 64-sample grid), median and range.

    npm ci && python benchmarks/web_page.py [--entry vae_mnist5k] [--site DIR] [--repeats 5]
        [--screenshot docs/web_vae_mnist5k.png]
"""

import argparse
import os
import statistics
import sys
import tempfile

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def sizes(site):
    from kerasgen.export.web import MODEL_FILE, list_files

    groups = {"page": 0, "onnxruntime-web": 0, "model": 0}
    for path in list_files(site):
        group = "model" if path == MODEL_FILE else "onnxruntime-web" if path.startswith("ort/") else "page"
        groups[group] += os.path.getsize(os.path.join(site, path))
    return groups


def first_grid_ms(url, chromium, repeats, screenshot=None):
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as profile:
                context = playwright.chromium.launch_persistent_context(
                    profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
                    viewport={"width": 960, "height": 600}, device_scale_factor=1)
                page = context.new_page()
                page.goto(url)
                page.wait_for_function("['ready', 'error'].includes(document.body.dataset.kerasgenState)",
                                       timeout=120_000)
                error = page.evaluate("document.body.dataset.kerasgenError")
                if error:
                    raise SystemExit(f"the page reports an error: {error}")
                times.append(page.evaluate("window.kerasgen.timings.firstGridMs"))
                if screenshot and len(times) == 1:
                    page.screenshot(path=screenshot, full_page=True)
                context.close()
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entry", default="vae_mnist5k", help="zoo entry to export")
    parser.add_argument("--site", default=None, help="an existing web export instead")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--screenshot", default=None, help="save the first load's page as this PNG")
    args = parser.parse_args(argv)
    from kerasgen.export.web import serve

    with tempfile.TemporaryDirectory() as directory:
        site = args.site
        if site is None:
            from kerasgen.commands.models import load_model
            from kerasgen.export.web import to_web

            site = os.path.join(directory, "site")
            model, found = load_model(args.entry, onnx=False)
            to_web(model, site, source=found.source())
        server = serve(site)
        url = f"http://127.0.0.1:{server.server_port}/index.html"
        times = first_grid_ms(url, args.chromium, args.repeats, args.screenshot)
        server.shutdown()
        groups = sizes(site)
    print(f"page (kerasgen's files): {groups['page'] / 1024:.1f} KB; onnxruntime-web: "
          f"{groups['onnxruntime-web'] / 1024 ** 2:.1f} MB; model: {groups['model'] / 1024 ** 2:.2f} MB")
    print(f"first grid (64 samples) in headless Chromium, cold cache, {len(times)} loads: median "
          f"{statistics.median(times):.0f} ms (range {min(times):.0f}-{max(times):.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
