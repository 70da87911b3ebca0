"""Evaluation speed and accuracy: kerasgen's Frechet distance vs the scipy sqrtm reference,
and the domain classifier's feature throughput. All numbers come from this run.

1. Frechet distance on 10,000 x 2048 features (Inception pool size): two synthetic
   feature sets with a full-rank, realistically decaying covariance spectrum (non-negative
   like ReLU / average-pooled features). Times `kerasgen.metrics.frechet_distance`
   (symmetric eigendecompositions, float64) against the reference formula of TTUR /
   pytorch-fid (`scipy.linalg.sqrtm(S1 @ S2)`, real part of the trace) on the same
   statistics, and prints the time ratio and the relative difference of the values. The
   same comparison is repeated with N = 1,000 < D (rank-deficient covariances), where the
   reference's complex square root is least reliable.
2. Domain classifier throughput: images/s of `extract_features` with the default
   `DomainClassifier` (28x28x1) on the 5,000 mnist5k images, median of `--repeats` runs.

    python benchmarks/metrics.py [--num-samples 10000] [--dim 2048] [--repeats 3]
    python benchmarks/metrics.py --blas-threads 1      # steadier on a shared machine
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def synthetic_features(num_samples, dim, shift, seed):
    """Non-negative features with a decaying (power-law) covariance spectrum."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    scales = 1.0 / np.sqrt(1.0 + np.arange(dim))
    mixing = (basis * scales) @ basis.T
    latent = rng.standard_normal((num_samples, dim)) + shift
    return np.abs(latent @ mixing).astype("float32")


def reference_frechet(mean1, cov1, mean2, cov2):
    """The TTUR / pytorch-fid computation: sqrtm of the non-symmetric product."""
    import scipy.linalg

    root = scipy.linalg.sqrtm(cov1 @ cov2)
    imaginary = float(np.max(np.abs(root.imag))) if np.iscomplexobj(root) else 0.0
    difference = mean1 - mean2
    value = difference @ difference + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(root.real)
    return float(value), imaginary


def timed(function, repeats):
    """Median wall-clock seconds, median process CPU seconds (all threads), result.

    CPU seconds are reported too because on a shared machine wall time also measures
    the other tenants; the work each method does shows in its CPU time."""
    times, cpu_times, result = [], [], None
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    return statistics.median(times), statistics.median(cpu_times), result


def benchmark_frechet(num_samples, dim, repeats):
    from kerasgen.metrics import FeatureStatistics, frechet_distance

    real = synthetic_features(num_samples, dim, 0.0, seed=0)
    generated = synthetic_features(num_samples, dim, 0.05, seed=1)
    start = time.perf_counter()
    real_stats = FeatureStatistics.from_features(real)
    generated_stats = FeatureStatistics.from_features(generated)
    stats_time = (time.perf_counter() - start) / 2
    args = (real_stats.mean, real_stats.cov, generated_stats.mean, generated_stats.cov)
    ours_time, ours_cpu, ours = timed(lambda: frechet_distance(*args), repeats)
    reference_time, reference_cpu, (reference, imaginary) = timed(
        lambda: reference_frechet(*args), repeats
    )
    relative = abs(ours - reference) / abs(reference)
    print(f"Frechet distance, N={num_samples}, D={dim} (median of {repeats}):")
    print(f"  statistics (mean, cov) per feature set: {stats_time:.2f} s")
    print(f"  kerasgen eigh:  {ours_time:7.2f} s wall {ours_cpu:7.2f} s CPU  value {ours:.10g}")
    print(f"  scipy sqrtm:    {reference_time:7.2f} s wall {reference_cpu:7.2f} s CPU  value "
          f"{reference:.10g}  (max |imag| of sqrtm {imaginary:.2e})")
    print(f"  speed-up sqrtm / eigh: {reference_time / ours_time:.1f}x wall, "
          f"{reference_cpu / ours_cpu:.1f}x CPU; relative difference of values: {relative:.2e}")
    return ours_time, reference_time, relative


def benchmark_classifier(repeats, batch_size):
    from kerasgen.data import named_datasets
    from kerasgen.metrics import DomainClassifier, extract_features

    (x_train, _), (x_test, _) = named_datasets.load("mnist5k")
    images = np.concatenate([x_train, x_test])
    extractor = DomainClassifier((28, 28, 1), 10).feature_extractor()
    extract_features(extractor, images[:batch_size], batch_size=batch_size, progress=False)
    seconds, _, (features, _) = timed(
        lambda: extract_features(extractor, images, batch_size=batch_size, progress=False),
        repeats,
    )
    rate = len(images) / seconds
    print(f"DomainClassifier features ({features.shape[1]}-d) + probabilities, "
          f"{len(images)} mnist5k images, batch {batch_size} (median of {repeats}): "
          f"{rate:.0f} images/s")
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--small-num-samples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--blas-threads", type=int, default=None,
        help="limit NumPy/SciPy BLAS threads (1 gives the steadiest numbers on a shared "
        "machine, where idle BLAS threads spin and inflate both wall and CPU time)",
    )
    args = parser.parse_args()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency

        threadpool_limits(args.blas_threads)
    print(f"cpu_count={os.cpu_count()} load_average={os.getloadavg()[0]:.1f} "
          f"blas_threads={args.blas_threads or 'default'}")
    benchmark_frechet(args.num_samples, args.dim, args.repeats)
    benchmark_frechet(args.small_num_samples, args.dim, args.repeats)
    benchmark_classifier(args.repeats, args.batch_size)


if __name__ == "__main__":
    main()
