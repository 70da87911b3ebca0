"""Sampling an exported ONNX decoder or generator with NumPy and onnxruntime alone.

Importing this module imports neither TensorFlow nor Keras, so a file exported with
`kerasgen.export.to_onnx` can be sampled where they are not installed.
"""

import os

import numpy as np

from kerasgen_runtime.batch_split import BatchSplitter, split_threads
from kerasgen_runtime.graph_checks import check_graph, missing_metadata_message
from kerasgen_runtime.images import image_grid, write_png
from kerasgen_runtime.outputs import check_grid_size
from kerasgen_runtime.metadata import (SAMPLING_KEYS, SAMPLING_NETWORKS, from_onnx_props, resolve_label,
                                       validate)
from kerasgen_runtime.latents import (
    DEFAULT_GENERATOR, check_positive_int, draw_latents, generator_of, latent_batches,
)
from kerasgen_runtime.sessions import (  # noqa: F401  (importable from here, as before)
    check_samples, graph_names, open_session, run_session,
)


class Sampler:
    """Draws samples from an exported sampling network with onnxruntime.

    Reads the kerasgen metadata stored in the file, draws `z` on the host with the
    generator its metadata names (`latent_generator`: `kerasgen-v1`, the portable one the
    Keras model's `sample(n, seed)` and the web page use; files without the field:
    `numpy-pcg64`), so a seed gives the same samples everywhere, and runs the session in
    batches.

    Args:
        path: an `.onnx` file written by `kerasgen.export.to_onnx`.
        num_threads: threads of the onnxruntime session, None for onnxruntime's default.
        metadata: dict of fields overriding or supplying the file's metadata, e.g.
            `{"latent_dim": 16, "image_shape": [28, 28, 1], "value_range": [0, 1]}`
            for an ONNX file that was not written by kerasgen.
        providers: onnxruntime execution providers (default: CPU).
        spin_wait: let idle onnxruntime threads spin, as a plain onnxruntime session
            does (default True: the one-call path is then the plain session's call;
            without spinning the second thread must be woken every call, measured 40 us
            against 60 us for the VAE decoder at batch 1, 1.6 against 1.9 ms at batch
            256). On a shared, busy machine spinning threads can steal the cores the
            work needs; there the measured choice (`split_batches`) moves to the
            single-threaded session or the split when they are faster, and
            `spin_wait=False` turns spinning off.
        split_batches: how to run a batch of at least `SPLIT_MIN_PER_THREAD` samples
            per thread (CPU provider, more than one thread): as one call of the
            session, or split into that many sub-batches at once, each on one thread of
            a second, single-threaded session (onnxruntime's CPU ConvTranspose works
            through a batch one image at a time and gains little from a second intra-op
            thread; a Dense-only decoder does, and loses to the split's copies).
            "measure" (default): time both on the first batches of each size (powers of
            two; the first such batches take turns, at least 4 of each path and 20 ms
            of each, at most 257; a batch too small to split is timed on this session
            against the single-threaded one) and keep the faster, one call unless the
            other is faster by 3% (`split_choices`), for every Sampler of the same file
            (path, size, modification time) with the same settings in this process
            (`kerasgen_runtime.batch_split.MEASURED`, in memory only). True: always split; False: always one call. Same
            outputs, bit for bit, either way: every sample is computed by the same
            kernels (tested).
    Example:
    ```python
    sampler = kerasgen_runtime.Sampler("vae_decoder.onnx", num_threads=2)
    images = sampler.sample(64, seed=0)          # float32, in sampler.value_range
    pixels = sampler.sample_uint8(64, seed=0)    # uint8 in [0, 255]
    sampler.save_grid("grid.png", 64, seed=0)
    ```
    """

    SPLIT_MIN_PER_THREAD = BatchSplitter.MIN_PER_THREAD

    def __init__(self, path, num_threads=None, metadata=None, providers=None, spin_wait=True,
                 split_batches="measure"):
        self.path = os.fspath(path)
        if num_threads is not None:
            num_threads = check_positive_int("num_threads", num_threads)
        if metadata is not None and not isinstance(metadata, dict):
            raise ValueError(f"metadata must be a dict or None, got {type(metadata).__name__}")
        self.session = open_session(self.path, num_threads, providers, spin_wait)
        stored = from_onnx_props(self.session.get_modelmeta().custom_metadata_map)
        if stored.get("label_map_shape"):
            raise ValueError(
                f"{self.path} is a SPADE generator (inputs label_map, z): sample it with "
                "kerasgen_runtime.SPADESampler or kerasgen-sample PATH --label-map MAP.png"
            )
        self.z_name, self.label_name, self.x_name = graph_names(self.session, self.path)
        merged = {**stored, **(metadata or {})}
        if not stored:  # not written by kerasgen: no earlier generator to keep
            merged.setdefault("latent_generator", DEFAULT_GENERATOR)
        missing = [key for key in SAMPLING_KEYS if key not in merged]
        if self.label_name and merged.get("num_classes") is None:
            missing.append("num_classes")
        if missing:
            raise ValueError(missing_metadata_message(self, missing, bool(stored)))
        self.metadata = validate(merged)
        if self.metadata["network"] not in SAMPLING_NETWORKS:
            raise ValueError(
                f"{self.path} holds a VAE {self.metadata['network']} (x -> mean, log_var); "
                "Sampler needs a decoder or generator export (z -> x)"
            )
        check_graph(self)
        threads = split_threads(num_threads, providers)
        self.splitter = BatchSplitter(self.path, self.x_name, self.run_whole, self.checked,
                                      self.image_shape, threads, split_batches, (providers, spin_wait))

    # Metadata -----------------------------------------------------------------------

    @property
    def latent_dim(self):
        return self.metadata["latent_dim"]

    @property
    def latent_generator(self):
        return generator_of(self.metadata)

    @property
    def num_classes(self):
        return self.metadata.get("num_classes")

    @property
    def image_shape(self):
        return tuple(self.metadata["image_shape"])

    @property
    def value_range(self):
        return tuple(self.metadata["value_range"])

    # Sampling -----------------------------------------------------------------------

    def sample(self, num_samples, seed=None, labels=None, batch_size=256):
        """`num_samples` float32 samples in `value_range`, from `z` drawn with `seed`.

        `labels` (conditional models): an int for all samples or an int array of shape
        `(num_samples,)`; None cycles through the classes `0, 1, ..., num_classes - 1`.
        """
        self.check_prior()
        z = draw_latents(num_samples, self.latent_dim, seed, self.latent_generator)
        return self.decode(z, labels, batch_size)

    def sample_batches(self, num_samples, seed=None, labels=None, batch_size=256):
        """Yields `sample(num_samples, seed, labels)` in consecutive batches, holding one
        batch at a time (for streaming to disk); the same values as `sample`."""
        self.check_prior()
        num_samples = check_positive_int("num_samples", num_samples)
        if self.label_name:
            labels = self.check_labels(labels, num_samples)
        elif labels is not None:
            raise ValueError(
                f"labels must be None: {self.path} holds an unconditional model, got labels"
            )
        start = 0
        for z in latent_batches(num_samples, self.latent_dim, seed, batch_size, self.latent_generator):
            batch_labels = None if labels is None else labels[start : start + len(z)]
            yield self.decode(z, batch_labels, batch_size)
            start += len(z)

    def check_prior(self):
        if self.metadata["prior"] is None:
            raise ValueError(
                f"{self.path} holds the decoder of a {self.metadata.get('model_class', 'model')} "
                "whose latent has no prior: N(0, I) noise would decode to smudges. Decode "
                "codes of real images with Sampler.decode(z) instead"
            )

    def sample_uint8(self, num_samples, seed=None, labels=None, batch_size=256):
        """Like `sample`, mapped from `value_range` to uint8 `[0, 255]`."""
        return self.to_uint8(self.sample(num_samples, seed, labels, batch_size))

    def decode(self, z, labels=None, batch_size=256):
        """Runs the network on given latents `z` (float, shape `(n, latent_dim)`)."""
        z = self.check_latents(z)
        batch_size = check_positive_int("batch_size", batch_size)
        feeds = {self.z_name: z}
        if self.label_name:
            feeds[self.label_name] = self.check_labels(labels, len(z))
        elif labels is not None:
            raise ValueError(
                f"labels must be None: {self.path} holds an unconditional model, got labels"
            )
        if len(z) <= batch_size:  # one call, no copy: what batch-1 latency pays
            return self.run_batch(feeds, len(z))
        outputs = np.empty((len(z), *self.image_shape), dtype="float32")
        for start in range(0, len(z), batch_size):
            batch = {name: value[start : start + batch_size] for name, value in feeds.items()}
            outputs[start : start + batch_size] = self.run_batch(batch, len(batch[self.z_name]))
        return outputs

    def run_batch(self, feeds, count):
        """`x` of one batch: one session call, or sub-batches at once (`split_batches`)."""
        return self.splitter.run(feeds, count)

    def run_whole(self, feeds, count):
        """`x` of one batch by one call of the session."""
        return self.checked(run_session(self.session, self.x_name, feeds, self.path), count)

    @property
    def split_threads(self):
        """Threads a large batch may be split over (1: never split)."""
        return self.splitter.threads

    @property
    def split_session(self):
        """The single-threaded session of the split, None until a batch was split."""
        return self.splitter.session

    @property
    def split_choices(self):
        """Measured choices so far: {size bucket: True (split, or the single-threaded
        session for a batch too small to split) or False (one call of this session)}."""
        return dict(self.splitter.choices)

    def checked(self, x, count):
        """`x` if it holds `count` finite samples of `image_shape`; ValueError otherwise."""
        return check_samples(x, (count, *self.image_shape), self.path)

    def check_latents(self, z):
        if (type(z) is np.ndarray and z.dtype == np.float32 and z.ndim == 2 and z.shape[1] == self.latent_dim
                and len(z) and z.flags.c_contiguous and np.isfinite(np.add.reduce(z, axis=None))):
            return z  # what sample() draws: no copy, one pass (a finite sum: all finite)
        z = np.asarray(z)
        if z.dtype.kind != "f":
            raise ValueError(f"z must be a float array (float32), got dtype {z.dtype}")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (num_samples, {self.latent_dim}), got {z.shape}")
        if len(z) == 0:
            raise ValueError("z must hold at least one latent vector, got shape (0, ...)")
        z = np.ascontiguousarray(z, dtype="float32")
        if not np.isfinite(z).all():
            rows = np.flatnonzero(~np.isfinite(z).all(axis=1))
            raise ValueError(
                f"z must be finite, got NaN or inf in {len(rows)} row(s), first row {rows[0]}"
            )
        return z

    def check_labels(self, labels, num_samples):
        if labels is None:
            return np.arange(num_samples, dtype="int64") % self.num_classes
        if isinstance(labels, str):  # a class name (or an index as text)
            labels = resolve_label(labels, self.metadata.get("class_names"), "labels")
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
        if labels.ndim == 0:
            labels = np.full(num_samples, labels, dtype="int64")
        if labels.shape != (num_samples,):
            raise ValueError(
                f"labels must be an int or have shape ({num_samples},), got shape {labels.shape}"
            )
        bad = (labels < 0) | (labels >= self.num_classes)
        if bad.any():
            raise ValueError(
                f"labels must be in [0, {self.num_classes - 1}] (num_classes = "
                f"{self.num_classes}), got {labels[bad][0]}"
            )
        return labels.astype("int64")

    def to_uint8(self, images):
        """Maps float images from `value_range` to uint8 `[0, 255]` (clipped, rounded)."""
        low, high = self.value_range
        if low is None or high is None:
            raise ValueError(
                f"uint8 images need a bounded value_range, got {list(self.value_range)} for "
                f"{self.path}; pass one explicitly, e.g. metadata={{'value_range': [0, 1]}}"
            )
        scaled = (np.asarray(images, dtype="float32") - low) * (255.0 / (high - low))
        return np.clip(np.rint(scaled), 0, 255).astype("uint8")

    def save_grid(self, path, num_samples, seed=None, labels=None, columns=None):
        """Writes `num_samples` samples (at most `GRID_MAX_SAMPLES`) as one PNG grid
        (atomically); returns the grid."""
        check_grid_size(num_samples)
        if len(self.image_shape) != 3 or self.image_shape[2] not in (1, 3, 4):
            raise ValueError(
                f"save_grid needs images of shape (height, width, 1, 3 or 4 channels), got "
                f"samples of shape {list(self.image_shape)}"
            )
        grid = image_grid(self.sample_uint8(num_samples, seed, labels), columns)
        write_png(path, grid)
        return grid

