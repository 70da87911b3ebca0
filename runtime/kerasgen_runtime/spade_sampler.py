"""Sampling an exported SPADE generator (`label_map`, `z` -> `x`) with onnxruntime.

NumPy and onnxruntime only (Pillow to read and write PNGs). `z` is drawn exactly like
`kerasgen_runtime.latents.draw_latents`, so `sample(label_map, n, seed)` gives the
Keras model's `SPADEGAN.sample(n, seed=seed, label_maps=label_map)`. With the style
encoder's export, a reference image's style replaces the random `z`.

The sampling contract of both is here: `check_label_maps` (which maps a generator
takes) and `spade_batches` (how maps and codes are paired and batched).
"""

import os

import numpy as np

from kerasgen_runtime.images import image_grid, to_value_range, write_png
from kerasgen_runtime.latents import DEFAULT_GENERATOR, check_positive_int, generator_of, latent_batches
from kerasgen_runtime.metadata import from_onnx_props, validate
from kerasgen_runtime.outputs import check_grid_size
from kerasgen_runtime.sampler import check_samples, open_session, run_session

# What `sample` returns at once (float32 samples); more is streamed by `sample_batches`.
MAX_IN_MEMORY_BYTES = 2**30


class SPADESampler:
    """Draws images for semantic label maps from an exported SPADE generator.

    Args:
        path: the generator's `.onnx` file (`kerasgen export` of a SPADEGAN).
        encoder: optional `.onnx` file of its style encoder (`kerasgen export
            --encoder`), needed for `style_image`.
        num_threads: onnxruntime threads, None for its default.

    Example:
    ```python
    sampler = kerasgen_runtime.SPADESampler("spade.onnx", encoder="spade_encoder.onnx")
    images = sampler.sample(label_map, 8, seed=0)              # float32 in value_range
    styled = sampler.sample(label_map, 1, style_image=reference_uint8)
    ```
    """

    def __init__(self, path, encoder=None, num_threads=None):
        self.path = os.fspath(path)
        self.session = open_session(self.path, num_threads)
        self.metadata = validate(from_onnx_props(self.session.get_modelmeta().custom_metadata_map))
        if not self.metadata.get("label_map_shape"):
            raise ValueError(f"{self.path} is not a SPADE generator export (its metadata has no label_map_shape)")
        names = {i.name for i in self.session.get_inputs()}
        if names != {"label_map", "z"}:
            raise ValueError(f"{self.path} must take inputs 'label_map' and 'z', got {sorted(names)}")
        self.encoder = None
        if encoder is not None:
            self.encoder = open_session(os.fspath(encoder), num_threads)
            meta = validate(from_onnx_props(self.encoder.get_modelmeta().custom_metadata_map))
            if meta.get("network") != "encoder" or meta["latent_dim"] != self.latent_dim:
                raise ValueError(
                    f"encoder {encoder!r} must be the style encoder export of this model (network "
                    f"'encoder', latent_dim {self.latent_dim}), got network {meta.get('network')!r}, "
                    f"latent_dim {meta.get('latent_dim')}"
                )

    @property
    def latent_dim(self):
        return self.metadata["latent_dim"]

    @property
    def num_classes(self):
        return self.metadata["num_classes"]

    @property
    def map_shape(self):
        return tuple(self.metadata["label_map_shape"])

    @property
    def image_shape(self):
        return tuple(self.metadata["image_shape"])

    def check_label_map(self, label_map):
        return check_label_maps(label_map, self.map_shape, self.num_classes)

    def encode_style(self, style_image):
        """The encoder's mean for a reference image: uint8 pixels `(H, W, C)` (what
        `kerasgen_runtime.images.read_image` gives) or floats already in value_range."""
        if self.encoder is None:
            raise ValueError("style_image needs the style encoder: pass encoder='..._encoder.onnx'")
        image = np.asarray(style_image)
        if image.ndim == 3:
            image = image[None]
        if tuple(image.shape[1:]) != self.image_shape:
            raise ValueError(f"style_image must have shape {self.image_shape}, got {image.shape[1:]}")
        if image.dtype == np.uint8:
            image = to_value_range(image, self.metadata["value_range"])
        mean = run_session(self.encoder, "mean", {"x": image.astype("float32")}, "the style encoder")
        return check_samples(mean, (len(image), self.latent_dim), "the style encoder")

    def sample(self, label_map, num_samples=None, seed=None, style_image=None, batch_size=256):
        """Float32 images in `value_range` for `label_map` (one map, or one per sample).

        `z` ~ N(0, I) drawn with `seed`, or the encoding of `style_image`. At most
        `MAX_IN_MEMORY_BYTES` of samples are returned at once; stream more with
        `sample_batches`.
        """
        label_map = self.check_label_map(label_map)
        num_samples = check_positive_int("num_samples", num_samples if num_samples is not None else len(label_map))
        size = num_samples * int(np.prod(self.image_shape)) * 4
        if size > MAX_IN_MEMORY_BYTES:
            raise ValueError(
                f"num_samples {num_samples} would hold {size / 2**30:.1f} GiB of samples in memory, "
                f"more than {MAX_IN_MEMORY_BYTES // 2**30} GiB; stream them with sample_batches "
                "(kerasgen-sample ... -o samples.npy)"
            )
        return np.concatenate(list(self.sample_batches(label_map, num_samples, seed, style_image, batch_size)))

    def sample_batches(self, label_map, num_samples=None, seed=None, style_image=None, batch_size=256):
        """Yields `sample(...)` in consecutive batches, one batch in memory at a time."""
        label_map = self.check_label_map(label_map)
        num_samples = check_positive_int("num_samples", num_samples if num_samples is not None else len(label_map))
        style = None if style_image is None else self.encode_style(style_image)

        def generate(maps, z):
            feeds = {"label_map": maps, "z": z}
            return check_samples(run_session(self.session, "x", feeds, self.path), (len(z), *self.image_shape), self.path)

        return spade_batches(generate, label_map, num_samples, self.latent_dim, seed, style, batch_size,
                             generator_of(self.metadata), style_name="style_image")

    def sample_uint8(self, label_map, num_samples=None, seed=None, style_image=None):
        low, high = self.metadata["value_range"]
        images = self.sample(label_map, num_samples, seed, style_image)
        return np.clip(np.rint((images - low) * (255.0 / (high - low))), 0, 255).astype("uint8")

    def save_grid(self, path, label_map, num_samples=None, seed=None, style_image=None, columns=None):
        """Writes the samples (at most `GRID_MAX_SAMPLES`) as one PNG grid (atomically);
        returns the grid."""
        label_map = self.check_label_map(label_map)
        check_grid_size(num_samples if num_samples is not None else len(label_map))
        grid = image_grid(self.sample_uint8(label_map, num_samples, seed, style_image), columns)
        write_png(path, grid)
        return grid


def check_label_maps(label_maps, map_shape, num_classes, name="label_map"):
    """Int maps of shape `map_shape` (one, or `(N,) + map_shape`) holding classes in
    `[0, num_classes)`, as int64 `(N,) + map_shape`; a ValueError names what is wrong."""
    label_maps = np.asarray(label_maps)
    if label_maps.ndim == 2:
        label_maps = label_maps[None]
    if label_maps.ndim != 3 or tuple(label_maps.shape[1:]) != tuple(map_shape):
        raise ValueError(f"{name} must have shape {tuple(map_shape)} (or (N,) + that), got {label_maps.shape}")
    if not np.issubdtype(label_maps.dtype, np.integer):
        raise ValueError(f"{name} must hold int class indices, got dtype {label_maps.dtype}")
    if label_maps.min() < 0 or label_maps.max() >= num_classes:
        raise ValueError(
            f"{name} must hold classes in [0, {num_classes}), got values in "
            f"[{label_maps.min()}, {label_maps.max()}]"
        )
    return label_maps.astype("int64")


def spade_batches(generate, label_maps, num_samples, latent_dim, seed=None, style=None, batch_size=256,
                  generator=DEFAULT_GENERATOR, maps_name="label_map", style_name="style"):
    """Yields `generate(maps, z)` for `num_samples` samples in consecutive batches.

    `label_maps` (checked, `(1 or num_samples, H, W)`) is one map for every sample or one
    per sample; `z` is drawn batch by batch from `seed` with `generator` (as
    `draw_latents`), or is `style` (style codes: 1, or one per sample).
    """
    num_samples = check_positive_int("num_samples", num_samples)
    batch_size = check_positive_int("batch_size", batch_size)
    if len(label_maps) not in (1, num_samples):
        raise ValueError(f"{maps_name} must hold 1 or num_samples ({num_samples}) maps, got {len(label_maps)}")
    if style is None:
        latents = latent_batches(num_samples, latent_dim, seed, batch_size, generator)
    else:
        if len(style) not in (1, num_samples):
            raise ValueError(f"{style_name} must hold 1 or num_samples ({num_samples}) images, got {len(style)}")
        latents = (np.broadcast_to(style, (num_samples, latent_dim))[i : i + batch_size]
                   for i in range(0, num_samples, batch_size))
    return _batches(generate, label_maps, num_samples, latents)


def _batches(generate, label_maps, num_samples, latents):
    start = 0
    for z in latents:
        maps = np.broadcast_to(label_maps, (num_samples, *label_maps.shape[1:]))[start : start + len(z)]
        yield generate(np.ascontiguousarray(maps), np.ascontiguousarray(z, dtype="float32"))
        start += len(z)
