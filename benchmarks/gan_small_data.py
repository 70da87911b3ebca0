"""GANs on a small RGB image folder, at one CPU-time budget per row fixed in advance.

Rows (each trained in its own process at niceness 10, or `--niceness`, stopped by the same
rule, `kerasgen.callbacks.CPUBudget`: after the last epoch that fits in `--budget` seconds
of that process's CPU time, `time.process_time`, start-up and data loading included):

- `keras_io`: the keras.io "DCGAN to generate face images" example as it is written
  (`keras_io_face_dcgan` of benchmarks/keras_io_dcgan.py: its train step, BCE on sigmoid
  outputs with 0.05 label noise, Adam(1e-4), latent 128, images in [0, 1]), its 64x64
  networks adapted to 32x32: the generator starts at 4x4 instead of 8x8 so its three
  stride-2 transposed convolutions end at 32x32, and their widths are scaled from
  (128, 256, 512) to (32, 64, 128), since at the example's widths one 32x32 image costs
  2.3 G multiply-adds in the last layer alone (20x kerasgen's dcgan at 32x32); the
  discriminator is the example's (64, 128, 128).
- `dcgan`: `kerasgen fit dcgan --data FOLDER` (kerasgen's DCGAN recipe).
- `gan_rgb_noaug`, `gan_rgb`, `gan_rgb_geo`, `gan_rgb_ada`: `kerasgen fit gan_rgb --data
  FOLDER` without augmentation (`--set augment=null`), with DiffAugment's
  "color,translation,cutout" policy, with its geometric transforms alone
  (`--set augment_policy=translation,cutout`: no colour changes) and with ADA (`--set
  augment=ada --set ada_adjustment_images=10000`); a row whose recipe or setting this
  checkout lacks is reported as skipped.

on two offline RGB sets the zoo does not train on, written as class folders:
`photo_crops` (6 photos, 2,400 train / 600 test) and `shapes` (5 shapes, 2,000 / 500).
Measured for each row, from 1,000 samples (latent seed 0):

- FID against the set's test split, in the features of a `DomainClassifier` trained
  (10 epochs, seed 0) on that set's training split only; the floor is 1,000 training
  images against the same test images;
- class coverage: the fraction of classes that at least 2% of the samples (20) are
  assigned to by that classifier (argmax);
- memorization (`kerasgen.metrics.memorization`, what `kerasgen evaluate RUN --data TRAIN
  --held-out TEST --metrics memorization` reports): the fraction of samples closer to a
  training image than the 5th percentile of the test images' distances, in pixels and
  in features, and the verdict.

    python benchmarks/gan_small_data.py --budget 240 --work bench_small [--jobs 2] [--sets shapes]

Results are kept in WORK/results.json (a row trained before is not trained again), so
rows can be added when their recipe lands and the table printed with `--report`.
"""

import argparse
import inspect
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = os.path.dirname(os.path.abspath(__file__))
SETS = ("photo_crops", "shapes")
ROWS = ("keras_io", "dcgan", "gan_rgb_noaug", "gan_rgb", "gan_rgb_geo", "gan_rgb_ada")
AUGMENT = {"gan_rgb": "diffaugment", "gan_rgb_geo": "diffaugment", "gan_rgb_noaug": "none", "gan_rgb_ada": "ada"}
# The DiffAugment policy of each augmented row (the recipe's augment_policy).
POLICY = {"gan_rgb": "color,translation,cutout", "gan_rgb_geo": "translation,cutout"}
# ADA moves its probability p by at most batch/ada_adjustment_images per image; the
# paper's 500,000 images (for 70,000-image sets) would leave p near 0 in a CPU budget of a
# few thousand images, so the ada row lets p go from 0 to 1 within 10,000 images.
ADA_SETTINGS = ["--set", "ada_adjustment_images=10000"]
NUM_SAMPLES = 1000
COVERAGE_SHARE = 0.02
CLASSIFIER_EPOCHS = 10
KERAS_IO_WIDTHS = (32, 64, 128)  # the example's (128, 256, 512) scaled down, see above


def keras_io_dcgan_rgb32():
    """The keras.io face-DCGAN (see the module docstring), at 32x32 RGB."""
    from keras_io_dcgan import keras_io_face_dcgan

    return keras_io_face_dcgan(image_size=32, channels=3, generator_widths=KERAS_IO_WIDTHS)


def train_keras_io(folder, out, budget, seed=0):
    """Child process: the keras.io row (batch 32 as the example; images in [0, 1])."""
    import keras

    from kerasgen.callbacks import CPUBudget
    from kerasgen.data import from_folder

    os.makedirs(out)  # a new folder: never trains over another run's
    x, _ = from_folder(folder)
    keras.utils.set_random_seed(seed)
    model = keras_io_dcgan_rgb32()
    stop = CPUBudget(budget)
    history = model.fit(x, epochs=100000, batch_size=32, verbose=0, callbacks=[stop])
    model.generator.save_weights(os.path.join(out, "generator.weights.h5"))
    with open(os.path.join(out, "keras_io.json"), "w") as f:
        json.dump({"epochs": len(history.history["d_loss"]), "cpu_seconds": time.process_time()}, f)


def recipe_default(name):
    """The default of this checkout's gan_rgb recipe's setting `name` (None if it has none)."""
    from kerasgen import recipes

    parameter = inspect.signature(recipes.get("gan_rgb").build).parameters.get(name)
    return None if parameter is None else parameter.default


def augment_default():
    """`(has an augment setting, its default)` of this checkout's gan_rgb recipe."""
    from kerasgen import recipes

    has = "augment" in inspect.signature(recipes.get("gan_rgb").build).parameters
    return has, recipe_default("augment")


def available(row):
    """None if this checkout can train `row`, else why not."""
    if row in ("keras_io", "dcgan"):
        return None
    from kerasgen import recipes

    if "gan_rgb" not in recipes.names():
        return "recipe gan_rgb is not in this checkout"
    if row in ("gan_rgb", "gan_rgb_geo", "gan_rgb_ada") and not augment_default()[0]:
        return "recipe gan_rgb has no augment setting in this checkout"
    return None


def augment_settings(row):
    """The `--set` of a gan_rgb row: without augmentation is the recipe without an augment
    setting, or `augment=null` when it has one and it is on by default; with augmentation
    is the recipe's default when that is the row's, else `augment=AUGMENT[row]`."""
    has, default = augment_default()
    off = default in (None, False, "", "none")
    if row == "gan_rgb_noaug":
        return [] if not has or off else ["--set", "augment=null"]
    settings = [] if default == AUGMENT[row] else ["--set", f"augment={AUGMENT[row]}"]
    policy = POLICY.get(row)
    if policy is not None and policy != recipe_default("augment_policy"):
        settings += ["--set", f"augment_policy={policy}"]
    return settings + (ADA_SETTINGS if AUGMENT[row] == "ada" else [])


def row_command(row, folder, out, budget):
    if row == "keras_io":
        return [sys.executable, os.path.abspath(__file__), "--child-keras-io", folder, "--out", out,
                "--budget", str(budget)]
    command = [sys.executable, "-m", "kerasgen_cli", "fit", "dcgan" if row == "dcgan" else "gan_rgb",
               "--data", folder, "--out", out, "--epochs", "100000", "--cpu-budget", str(budget),
               "--verbose", "0"]
    return command + (augment_settings(row) if row in AUGMENT else [])


def start_row(row, folder, out, budget, log):
    # Niceness NICENESS (--niceness) in all, whatever the niceness this script runs at.
    command = ["nice", "-n", str(max(0, NICENESS[0] - os.nice(0))), *row_command(row, folder, out, budget)]
    print(f"[{time.strftime('%H:%M:%S')}] start {out}: {' '.join(command)}", flush=True)
    # A fixed thread count per row (--threads): at niceness 10 on a saturated CPU, a
    # multi-threaded TensorFlow process spends its turns waiting for its own other threads.
    threads = str(THREADS[0])
    env = dict(os.environ, TF_NUM_INTRAOP_THREADS=threads, TF_NUM_INTEROP_THREADS=threads,
               OMP_NUM_THREADS=threads)
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=os.path.dirname(HERE),
                            env=env)


def prepare_set(name, work):
    """Writes the set's class folders (once) and trains its judge (once)."""
    import keras

    from kerasgen.data import named_datasets, write_dataset_folder
    from kerasgen.metrics import train_domain_classifier
    from kerasgen_runtime.files import sha256_file

    import fcntl

    root = os.path.join(work, name)
    for split in ("train", "test"):
        if not os.path.isdir(os.path.join(root, split)):
            write_dataset_folder(name, os.path.join(root, split), split=split)
    (x, y), (x_test, y_test) = named_datasets.load(name)
    path = os.path.join(root, "classifier.keras")
    with open(os.path.join(root, "judge.lock"), "w") as lock:  # one judge per set, however many runs
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(path):
            classifier = train_domain_classifier(x, y, epochs=CLASSIFIER_EPOCHS, seed=0)
            classifier.save(path)
    classifier = keras.saving.load_model(path, safe_mode=True)
    probabilities = classifier.predict(x_test, batch_size=256, verbose=0)
    accuracy = float((probabilities.argmax(axis=1) == y_test).mean())
    return {"train": (x, y), "test": (x_test, y_test), "classifier": classifier,
            "accuracy": accuracy, "classifier_sha256": sha256_file(path)}


def samples_of(row, out):
    """1,000 samples in [0, 1] of a trained row (latent seed 0)."""
    import keras
    import numpy as np

    from kerasgen.metrics.features import iter_batches
    from kerasgen_runtime.latents import draw_latents

    if row == "keras_io":
        from keras_io_dcgan import FACE_LATENT_DIM

        generator = keras_io_dcgan_rgb32().generator
        generator.load_weights(os.path.join(out, "generator.weights.h5"))
        z = draw_latents(NUM_SAMPLES, FACE_LATENT_DIM, 0)
        return np.clip(generator.predict(z, batch_size=250, verbose=0), 0, 1)
    model = keras.saving.load_model(os.path.join(out, "model.keras"), safe_mode=True)
    # Mapped from the model's value_range to [0, 1] as `kerasgen evaluate` maps them.
    return np.clip(np.concatenate(list(iter_batches(model, NUM_SAMPLES, 250, 0))), 0, 1)


def measure(samples, data):
    """FID, class coverage and memorization of `samples` against one set."""
    import numpy as np

    from kerasgen.metrics.frechet import frechet_distance_from_features
    from kerasgen.metrics.memorization import memorization

    extractor = data["classifier"].feature_extractor()
    (x, _), (x_test, _) = data["train"], data["test"]
    test_features = extractor.extract(x_test)[0]
    features, probabilities = extractor.extract(samples)
    counts = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    covered = int(np.sum(counts >= COVERAGE_SHARE * len(samples)))
    results, _ = memorization(samples, x, x_test, extractor)
    return {
        "fid": frechet_distance_from_features(test_features, features).value,
        "classes_covered": covered, "num_classes": len(counts),
        "memorization_pixel": results["memorization_pixel"].value,
        "memorization_feature": results["memorization_feature"].value,
        "verdict": results["memorization"].details["verdict"],
    }


def floor(data):
    import numpy as np

    from kerasgen.metrics.frechet import frechet_distance_from_features

    extractor = data["classifier"].feature_extractor()
    x = data["train"][0]
    rows = np.sort(np.random.default_rng(0).choice(len(x), NUM_SAMPLES, replace=False))
    return frechet_distance_from_features(extractor.extract(data["test"][0])[0],
                                          extractor.extract(x[rows])[0]).value


def epochs_of(row, out):
    name = "keras_io.json" if row == "keras_io" else "checkpoint.json"
    with open(os.path.join(out, name)) as f:
        return json.load(f)["epochs" if row == "keras_io" else "epoch"]


def train_rows(todo, work, budget, jobs, results):
    """Trains the (set, row) pairs of `todo`, `jobs` at a time; records each in `results`."""
    running = {}
    while todo or running:
        while todo and len(running) < jobs:
            name, row = todo.pop(0)
            out = os.path.join(work, name, row)
            log = open(os.path.join(work, name, f"{row}.log"), "w")
            running[start_row(row, os.path.join(work, name, "train"), out, budget, log).pid] = \
                (name, row, out, log, time.perf_counter())
        pid, status, usage = os.wait4(-1, 0)
        if pid not in running:
            continue
        name, row, out, log, started = running.pop(pid)
        log.close()
        code = os.waitstatus_to_exitcode(status)
        entry = {"cpu_seconds": usage.ru_utime + usage.ru_stime, "budget": budget,
                 "wall_seconds": time.perf_counter() - started, "exit_status": code}
        if code == 0:
            entry["epochs"] = epochs_of(row, out)
        results.setdefault(name, {})[row] = entry
        print(f"[{time.strftime('%H:%M:%S')}] done {name}/{row}: {entry}", flush=True)
        save_results(work, results)


THREADS = [1]
NICENESS = [10]
RESULTS = "results.json"
results_file = [RESULTS]  # this invocation's file in WORK (--results)


def save_results(work, results):
    from kerasgen_runtime.files import write_json

    write_json(os.path.join(work, results_file[0]), results)


def all_results(work):
    """Every results*.json of WORK merged (rows trained by separate invocations)."""
    merged = {}
    for name in sorted(os.listdir(work)):
        if name.startswith("results") and name.endswith(".json"):
            with open(os.path.join(work, name)) as f:
                for set_name, rows in json.load(f).items():
                    for row, entry in rows.items():
                        old = merged.setdefault(set_name, {}).get(row)
                        if old is None or "skipped" in old or ("fid" in entry and "fid" not in old):
                            merged[set_name][row] = entry
    return merged


def report(work, results, budget):
    """Prints the table; the budget is the rows' own (recorded with each row since it was
    added), else `budget` (`--budget`)."""
    budgets = {entry.get("budget", budget) for rows in results.values() for row, entry in rows.items()
               if row != "_set" and "fid" in entry}
    budget = " / ".join(f"{value:.0f}" for value in sorted(budgets)) if budgets else f"{budget:.0f}"
    print(f"\nCPU budget {budget} s per row (time.process_time of the training process, "
          f"start-up included; stopped after the last epoch that fits); {NUM_SAMPLES} samples, "
          f"latent seed 0; class covered: >= {COVERAGE_SHARE:.0%} of samples; memorization: share "
          "of samples closer to a training image than the 5th percentile of test images (pixel / feature)")
    for name in results:
        meta = results[name].get("_set", {})
        base = results[name].get("keras_io", {}).get("fid")
        print(f"\n{name}: judge DomainClassifier ({CLASSIFIER_EPOCHS} epochs on the training split, "
              f"seed 0), test accuracy {meta.get('judge_accuracy', float('nan')):.3f}; FID floor (1,000 "
              f"train vs test) {meta.get('fid_floor', float('nan')):.2f}")
        print(f"  {'row':14s} {'epochs':>6s} {'CPU s':>6s} {'wall s':>6s} {'FID':>8s} {'/keras.io':>9s} "
              f"{'classes':>7s} {'mem px':>6s} {'mem ft':>6s}  verdict")
        for row in ROWS:
            entry = results[name].get(row)
            if entry is None:
                continue
            if "skipped" in entry:
                print(f"  {row:14s} skipped: {entry['skipped']}")
                continue
            if "fid" not in entry:
                print(f"  {row:14s} failed (exit status {entry.get('exit_status')}): see "
                      f"{os.path.join(work, name, row + '.log')}")
                continue
            ratio = entry["fid"] / base if base else float("nan")
            print(f"  {row:14s} {entry['epochs']:6d} {entry['cpu_seconds']:6.0f} {entry['wall_seconds']:6.0f} "
                  f"{entry['fid']:8.2f} {ratio:9.2f} {entry['classes_covered']:3d}/{entry['num_classes']:<3d} "
                  f"{entry['memorization_pixel']:6.1%} {entry['memorization_feature']:6.1%}  {entry['verdict']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=240.0, help="CPU seconds per row (default 240)")
    parser.add_argument("--work", default="bench_gan_small_data", help="folder of data, runs and results")
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=SETS)
    parser.add_argument("--rows", nargs="*", default=list(ROWS), choices=ROWS)
    parser.add_argument("--jobs", type=int, default=2, help="rows trained at once (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads per row (default 1)")
    parser.add_argument("--niceness", type=int, default=10, help="niceness of the rows' processes (default 10)")
    parser.add_argument("-n", "--num-samples", type=int, default=NUM_SAMPLES,
                        help=f"samples measured per row (default {NUM_SAMPLES})")
    parser.add_argument("--report", action="store_true", help="only print the table of WORK/results*.json")
    parser.add_argument("--results", default=RESULTS, help="this invocation's results file in WORK "
                        "(another name lets a second invocation train other rows at the same time)")
    parser.add_argument("--child-keras-io", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_keras_io:
        return train_keras_io(args.child_keras_io, args.out, args.budget)
    results_file[0] = args.results
    THREADS[0] = args.threads
    NICENESS[0] = args.niceness
    globals()["NUM_SAMPLES"] = args.num_samples
    path = os.path.join(args.work, args.results)
    results = json.load(open(path)) if os.path.isfile(path) else {}
    if args.report:
        return report(args.work, all_results(args.work), args.budget)
    from kerasgen.data import write_dataset_folder

    for name in args.sets:  # the class folders the rows train on
        for split in ("train", "test"):
            if not os.path.isdir(os.path.join(args.work, name, split)):
                write_dataset_folder(name, os.path.join(args.work, name, split), split=split)
    todo = []
    for name in args.sets:
        for row in args.rows:
            done = results.get(name, {}).get(row, {})
            if done.get("exit_status") == 0 and "skipped" not in done:
                continue
            why = available(row)
            if why:
                results.setdefault(name, {})[row] = {"skipped": why}
                print(f"{name}/{row} skipped: {why}", flush=True)
                continue
            todo.append((name, row))
    train_rows(todo, args.work, args.budget, args.jobs, results)
    for name in args.sets:
        data = prepare_set(name, args.work)
        results[name]["_set"] = {"judge_accuracy": data["accuracy"], "fid_floor": floor(data),
                                 "judge_sha256": data["classifier_sha256"]}
        for row in args.rows:
            entry = results[name].get(row, {})
            if entry.get("exit_status") == 0 and "fid" not in entry:
                entry.update(measure(samples_of(row, os.path.join(args.work, name, row)), data))
                save_results(args.work, results)
    save_results(args.work, results)
    report(args.work, all_results(args.work), args.budget)


if __name__ == "__main__":
    sys.exit(main())
