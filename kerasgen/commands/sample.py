"""`kerasgen sample MODEL -n 64 --seed 0 -o grid.png|samples.npy [--label 3]`.

`-o x.npy` streams float32 samples to disk batch by batch (bounded memory for any
`-n`); `-o x.png` writes one image grid (at most `GRID_MAX_SAMPLES` samples) or, for
2-D points, a scatter plot. The output is checked before the model is loaded.
"""


from kerasgen_runtime.outputs import GRID_MAX_SAMPLES


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "sample",
        help="draw samples from a .keras model, a zoo entry or an exported .onnx file",
        description="Draw samples from a generative model. z is drawn on the host with "
        "the portable generator kerasgen-v1: the same seed gives the same samples as "
        "model.sample(n, seed) and as kerasgen-sample on its ONNX export.",
    )
    parser.add_argument("model", help="a .keras file, a run folder holding model.keras, a zoo "
                        "entry or an .onnx export")
    parser.add_argument("-n", "--num-samples", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", default=None,
                        help="class of every sample, an index or a class name (conditional "
                        "models; default: all classes)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--label-map", default=None,
                        help="semantic synthesis (SPADE): single-channel PNG of class indices")
    parser.add_argument("--style-image", default=None,
                        help="semantic synthesis: reference image whose style the samples take")
    parser.add_argument("-o", "--output", required=True,
                        help="float32 samples (.npy, streamed to disk) or a PNG (.png: a grid "
                        f"of at most {GRID_MAX_SAMPLES} images, or a scatter plot of points)")
    parser.set_defaults(func=run)


def check_samplable(model, label):
    """Raises ValueError, naming the problem, for models `sample` cannot draw from."""
    from kerasgen.models import GenerativeModel

    name = type(model).__name__
    if not isinstance(model, GenerativeModel):
        raise ValueError(
            f"model is a {name}, not a generative model (it has no sample()); sample a VAE, "
            "GAN, WGAN-GP, cGAN or VAE-GAN"
        )
    if model.prior is None:
        raise ValueError(
            f"model is a {name}: its latent has no prior, so random codes decode to smudges; "
            "reconstruct real images with it, or sample a VAE or GAN"
        )
    if label is not None and model.conditioning != "label":
        raise ValueError(f"--label needs a conditional model (a cGAN), got a {name}")
    from kerasgen_runtime.metadata import resolve_label

    label = resolve_label(label, getattr(model, "class_names", None))
    if label is not None and not 0 <= label < model.num_classes:
        raise ValueError(f"--label must be in [0, {model.num_classes - 1}], got {label}")
    return label


def keras_batches(model, num_samples, seed, label, batch_size):
    """`model.sample(num_samples, seed, labels)` in consecutive batches (same values)."""
    import keras
    import numpy as np

    from kerasgen_runtime.latents import latent_batches

    network = model.sampling_network()
    conditional = len(network.inputs) == 2
    start = 0
    for z in latent_batches(num_samples, model.latent_dim, seed, batch_size):
        inputs = z
        if conditional:  # as ConditionalGAN.sample: cycle through the classes by default
            labels = np.arange(start, start + len(z)) % model.num_classes
            if label is not None:
                labels = np.full(len(z), label)
            inputs = [z, labels.astype("int32")]
        yield np.asarray(keras.ops.convert_to_numpy(network(inputs, training=False)), "float32")
        start += len(z)


def run(args):
    import numpy as np

    from kerasgen_runtime.latents import check_positive_int
    from kerasgen_runtime.outputs import output_kind, write_npy

    check_positive_int("--num-samples", args.num_samples)
    check_positive_int("--batch-size", args.batch_size)
    from kerasgen.commands.models import load_model
    from kerasgen_runtime.files import check_output_path

    check_output_path(args.output)  # before loading or downloading anything
    kind = output_kind(args.output, args.num_samples, grid=False)  # before loading anything
    from kerasgen_runtime import Sampler

    from kerasgen.models import GenerativeModel

    model, _ = load_model(args.model, "model")
    if isinstance(model, GenerativeModel) and model.conditioning == "label_map":
        return sample_maps(model, args, kind)
    if isinstance(model, Sampler):  # an .onnx file: the runtime sampler
        batches = model.sample_batches(args.num_samples, args.seed, args.label, args.batch_size)
        shape, value_range = model.image_shape, model.value_range
    else:
        label = check_samplable(model, args.label)
        batches = keras_batches(model, args.num_samples, args.seed, label, args.batch_size)
        shape, value_range = model.data_shape, model.output_range
    if kind == "npy":
        write_npy(args.output, batches, args.num_samples, shape)
    elif len(shape) == 3:
        output_kind(args.output, args.num_samples)  # a grid: at most GRID_MAX_SAMPLES
        from kerasgen import plotting

        plotting.save_image_grid(args.output, np.concatenate(list(batches)), value_range, scale=2)
    else:
        from kerasgen import plotting

        plotting.save_scatter(args.output, np.concatenate(list(batches)))
    print(f"Wrote {args.num_samples} samples (seed {args.seed}) to {args.output}")
    return 0


def sample_maps(model, args, kind):
    """A SPADE model: samples for `--label-map` (random z, or `--style-image`'s style),
    written as the suffix of `-o` says: a `.png` grid or `.npy` samples streamed."""
    import numpy as np
    from kerasgen_runtime.images import read_image, read_label_map, to_value_range
    from kerasgen_runtime.outputs import output_kind, write_npy

    from kerasgen import plotting

    if args.label_map is None:
        raise ValueError(f"--label-map is required for {type(model).__name__} (a PNG of class indices), got None")
    label_map = model.check_label_maps(read_label_map(args.label_map), "--label-map")
    style = None
    if args.style_image is not None:  # uint8 pixels mapped onto the range the encoder was trained on
        style = to_value_range(read_image(args.style_image, model.data_shape[-1]), model.output_range)
    batches = model.sample_batches(args.num_samples, args.seed, label_map, style, args.batch_size)
    if kind == "npy":
        write_npy(args.output, batches, args.num_samples, model.data_shape)
    else:
        output_kind(args.output, args.num_samples)  # a grid: at most GRID_MAX_SAMPLES
        plotting.save_image_grid(args.output, np.concatenate(list(batches)), model.output_range, scale=2)
    print(f"Wrote {args.num_samples} samples for {args.label_map} to {args.output}")
    return 0

