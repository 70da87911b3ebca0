"""`kerasgen plot MODEL [--data DIR|NAME] -o DIR`: pictures of what a model learned.

Writes, as the model allows:
- `latent_map.png`: a 2-D latent decoded on a grid (keras.io's VAE picture; for larger
  latents the first two dimensions vary, the others are 0), and `latent_projection.png`:
  a 2-D PCA projection of encoded data coloured by label (models with an encoder);
- `reconstructions.png`: inputs (top row) and their reconstructions (bottom row);
- `interpolation.png`: decodings between two encoded images (VAE.interpolate), or
  between two seeded latents for a GAN;
- `traversal.png`: one row per latent dimension (up to 10) varied from -3 to 3 with the
  others fixed at an encoded image's code (or 0).
"""

import os

import numpy as np

KINDS = ("latent", "reconstructions", "interpolation", "traversal")
# The files each kind may write in the output folder.
FILES = {"latent": ("latent_map.png", "latent_projection.png"),
         "reconstructions": ("reconstructions.png",), "interpolation": ("interpolation.png",),
         "traversal": ("traversal.png",)}


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "plot", help="latent map, reconstructions, interpolation and traversal PNGs of a model",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("model", help="a .keras file, a run folder holding model.keras or a zoo entry")
    parser.add_argument("--data", default=None, help="dataset name or image folder (for encoders)")
    parser.add_argument("--kind", default="all", choices=("all", *KINDS))
    parser.add_argument("-o", "--output", required=True, help="folder for the PNGs")
    parser.add_argument("-n", "--num-samples", type=int, default=1000,
                        help="encoded examples in the projection (a seeded stratified subset)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--color-mode", default="auto", choices=("auto", "grayscale", "rgb"))
    parser.add_argument("--image-size", type=int, nargs=2, default=None, metavar=("H", "W"))
    parser.set_defaults(func=run)


def decoder_of(model):
    """z -> images for a VAE / autoencoder (`decode`) or a GAN (its generator)."""
    if model.reconstructs:
        return model.decode
    from kerasgen.models.generative_model import predict_in_batches

    network = model.sampling_network()
    return lambda z: predict_in_batches(network, np.asarray(z, "float32"))


def codes_of(model, x):
    """Latent codes of images (posterior means for a VAE), or None without an encoder."""
    if not model.encodes:
        return None
    codes = model.encode(x)
    return codes[0] if isinstance(codes, (tuple, list)) else codes


def load_data(args, model):
    from kerasgen.data import folders, named_datasets, sources, subsets

    kind, source = sources.resolve_source(args.data)
    if kind == "folder":
        x, y = folders.from_folder(source, tuple(args.image_size) if args.image_size else None,
                                    args.color_mode)
    else:
        _, (x, y) = named_datasets.load(source)
    if tuple(x.shape[1:]) != tuple(model.data_shape):
        raise ValueError(f"--data {args.data!r} has images of shape {tuple(x.shape[1:])}, the model "
                         f"takes {tuple(model.data_shape)}; read them with --color-mode / --image-size")
    rows = subsets.subset_rows(len(x), args.num_samples, y, args.seed)
    return x[rows], (None if y is None else y[rows])


def unit_images(model, images):
    low, high = model.output_range
    if low is None or high is None:
        return np.clip(images, 0.0, 1.0)
    return (np.asarray(images, "float32") - low) / (high - low)


def plot_latent(model, decode, x, y, out, seed):
    from kerasgen import plotting

    paths = []
    size, scale = 15, 3.0
    grid = np.linspace(-scale, scale, size, dtype="float32")
    z = np.zeros((size * size, model.latent_dim), dtype="float32")
    z[:, 0] = np.tile(grid, size)
    if model.latent_dim > 1:
        z[:, 1] = np.repeat(grid[::-1], size)
    images = unit_images(model, decode(z))
    paths.append(plotting.save_image_grid(os.path.join(out, "latent_map.png"), images, columns=size, scale=2))
    codes = None if x is None else codes_of(model, x)
    if codes is not None:
        centred = codes - codes.mean(axis=0)
        if codes.shape[1] > 2:
            _, _, vt = np.linalg.svd(centred, full_matrices=False)
            points, title = centred @ vt[:2].T, f"PCA of {len(codes)} encoded examples (seed {seed})"
        else:
            points, title = codes, f"{len(codes)} encoded examples (seed {seed})"
        paths.append(plotting.save_projection(os.path.join(out, "latent_projection.png"), points, y, title,
                                              getattr(model, "class_names", None)))
    return paths


def plot_reconstructions(model, x, y, out, seed, count=16):
    """Reconstructions of a seeded random `count` of `x`, stratified by class `y`."""
    from kerasgen import plotting
    from kerasgen.data import folders, named_datasets, sources, subsets

    inputs = x[subsets.subset_rows(len(x), count, y, seed)]
    grid = np.concatenate([inputs, np.clip(model.reconstruct(inputs), 0.0, 1.0)])
    return [plotting.save_image_grid(os.path.join(out, "reconstructions.png"), grid,
                                     columns=len(inputs), scale=2)]


def plot_interpolation(model, decode, x, out, seed, steps=10):
    from kerasgen import plotting
    from kerasgen_runtime.latents import draw_latents

    if model.interpolates and x is not None and len(x) >= 2:
        images = model.interpolate(x[0], x[1], steps=steps)
    else:
        z_a, z_b = draw_latents(2, model.latent_dim, seed)
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
        images = decode((1 - t) * z_a + t * z_b)
    return [plotting.save_image_grid(os.path.join(out, "interpolation.png"), unit_images(model, images),
                                     columns=steps, scale=2)]


def plot_traversal(model, decode, x, out, steps=9):
    from kerasgen import plotting

    codes = None if x is None else codes_of(model, x[:1])
    base = np.zeros(model.latent_dim, "float32") if codes is None else codes[0].astype("float32")
    dims = min(model.latent_dim, 10)
    values = np.linspace(-3.0, 3.0, steps, dtype="float32")
    z = np.tile(base, (dims * steps, 1))
    for dim in range(dims):
        z[dim * steps : (dim + 1) * steps, dim] = values
    return [plotting.save_image_grid(os.path.join(out, "traversal.png"), unit_images(model, decode(z)),
                                     columns=steps, scale=2)]


def run(args):
    from kerasgen.commands.models import load_model
    from kerasgen_runtime.files import check_output_files
    from kerasgen.models import GenerativeModel

    kinds = KINDS if args.kind == "all" else (args.kind,)
    # A PNG of the user's where one is written is refused before any work.
    check_output_files(args.output, [name for kind in kinds for name in FILES[kind]], "-o")
    model, _ = load_model(args.model, "model", onnx=False)
    if not isinstance(model, GenerativeModel):
        raise ValueError(f"model must be an image model with a latent space, got {type(model).__name__}")
    if len(tuple(model.data_shape)) != 3:
        raise ValueError(f"model must be an image model with a latent space, got {type(model).__name__} "
                         f"with data shape {tuple(model.data_shape)}")
    if model.conditioning != "none":
        raise ValueError("plot does not draw conditional models yet; use kerasgen sample --label")
    x, y = load_data(args, model) if args.data is not None else (None, None)
    if "reconstructions" in kinds and not model.reconstructs:
        if args.kind == "reconstructions":
            raise ValueError(f"reconstructions need a model with an encoder, got {type(model).__name__}")
        kinds = tuple(k for k in kinds if k != "reconstructions")
    if "reconstructions" in kinds and x is None:
        raise ValueError("reconstructions need --data (a dataset name or image folder)")
    os.makedirs(args.output, exist_ok=True)
    decode = decoder_of(model)
    paths = []
    if "latent" in kinds:
        paths += plot_latent(model, decode, x, y, args.output, args.seed)
    if "reconstructions" in kinds:
        paths += plot_reconstructions(model, x, y, args.output, args.seed)
    if "interpolation" in kinds:
        paths += plot_interpolation(model, decode, x, args.output, args.seed)
    if "traversal" in kinds:
        paths += plot_traversal(model, decode, x, args.output)
    print("Wrote " + ", ".join(paths))
    return 0
