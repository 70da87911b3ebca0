"""SPADEGAN in one file (about 300 lines): its docstring, objective, training step and
label-map sampling belong together, as each model's algorithm reads in its own file."""

import keras
import numpy as np
from keras import ops
from kerasgen_runtime.latents import DEFAULT_GENERATOR, check_positive_int
from kerasgen_runtime.spade_sampler import check_label_maps, spade_batches

from kerasgen import losses
from kerasgen.checks import check_non_negative
from kerasgen.models.adversarial import AdversarialModel
from kerasgen.models.generative_model import deserialize_networks, predict_in_batches
from kerasgen.networks.vgg_features import VGGFeatures


@keras.saving.register_keras_serializable(package="kerasgen")
class SPADEGAN(AdversarialModel):
    """Semantic image synthesis (GauGAN): a SPADE generator draws an image for a label
    map, in the style of a code z that a VAE encoder infers from real images.

    One training step (NVlabs's `Pix2PixModel` with `use_vae`):
    - the discriminator (multi-scale PatchGAN over image + one-hot map) minimizes the
      hinge loss, real pairs against generated ones;
    - the generator *and the encoder*, with one optimizer, minimize
      `adversarial + feature_matching_weight * feature_matching + kl_weight * kl
      (+ perceptual_weight * perceptual)`: the hinge generator loss; the L1 distance of
      the discriminator's intermediate features on the generated vs the real image
      (mean over layers' elements, summed over layers, averaged over scales); the KL
      of q(z|x) to N(0, I) (summed over dimensions, averaged over the batch); and an
      optional L1 over a user-supplied feature extractor's layers. The generator draws
      `z = mean + exp(log_var / 2) * eps` for the real image of the same pair, so the
      encoder is trained through the generator's losses.

    At sampling time z ~ N(0, I) gives random styles; the encoder's mean for a
    reference image transfers its style (`sample(..., style_images=...)`).

    Args:
        encoder: style encoder with `[mean, log_var]` outputs, e.g.
            `kerasgen.networks.SPADEEncoder`.
        generator: a network `[z, label_map] -> image`, e.g.
            `kerasgen.networks.SPADEGenerator`.
        discriminator: a network `[image, label_map] -> list of features and logits`
            with `num_scales` and `outputs_per_scale` (the last of each scale is the
            logits), e.g. `kerasgen.networks.MultiscaleDiscriminator`.
        feature_matching_weight: weight of the feature-matching loss (10 in the paper).
        kl_weight: weight of the KL term (0.05 in the paper).
        perceptual_extractor: optional network mapping images in [-1, 1] to a list of
            feature maps (see `kerasgen.models.spade_gan.vgg19_extractor`).
        perceptual_weight: weight of the perceptual loss.
        perceptual_layer_weights: one weight per extractor output (VGG's
            1/32, 1/16, 1/8, 1/4, 1 when None and there are five; else equal).
        seed: seed of the training noise.

    Example:
    ```python
    generator = kerasgen.networks.SPADEGenerator(32, 4, (32, 32, 3))
    encoder = kerasgen.networks.SPADEEncoder((32, 32, 3), 32)
    discriminator = kerasgen.networks.MultiscaleDiscriminator((32, 32, 3), 4)
    model = kerasgen.models.SPADEGAN(encoder, generator, discriminator, seed=0)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        discriminator_optimizer=keras.optimizers.Adam(4e-4, beta_1=0.0, beta_2=0.9))
    model.fit(images_signed, label_maps, epochs=20, batch_size=16)
    images = model.sample(8, label_maps=test_maps[:8], seed=0)
    ```

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization",
        CVPR 2019 (github.com/NVlabs/SPADE).
    """

    players = ("generator", "discriminator")
    monitors = ()  # its samples need label maps
    # The generator's optimizer also trains the style encoder (NVlabs's optimizer_G).
    player_networks = {"generator": ("generator", "encoder")}
    metric_names = (
        "generator_loss", "discriminator_loss", "adversarial_loss", "feature_matching_loss", "kl_loss",
        "perceptual_loss", "real_score", "fake_score",
    )
    conditioning = "label_map"
    encodes = True  # the style code of an image

    def __init__(self, encoder, generator, discriminator, feature_matching_weight=10.0, kl_weight=0.05,
                 perceptual_extractor=None, perceptual_weight=10.0, perceptual_layer_weights=None, seed=None,
                 **kwargs):
        check_spade_networks(encoder, generator, discriminator)
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.encoder = encoder
        self.num_classes = int(generator.num_classes)
        self.map_shape = tuple(generator.input_shape[1][1:])
        self.feature_matching_weight = check_non_negative("feature_matching_weight", feature_matching_weight)
        self.kl_weight = check_non_negative("kl_weight", kl_weight)
        self.perceptual_weight = check_non_negative("perceptual_weight", perceptual_weight)
        self.perceptual_extractor = perceptual_extractor
        self.perceptual_layer_weights = check_layer_weights(perceptual_extractor, perceptual_layer_weights)
        if perceptual_extractor is not None:
            perceptual_extractor.trainable = False
        self.built = True

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    # Training ----------------------------------------------------------------------

    def judge(self, real, fake, label_map, training=True):
        """One discriminator pass over real and generated pairs: per scale, `(features,
        logits)`, each a `(real, fake)` pair (the last output of a scale is its logits)."""
        outputs = self.discriminator([ops.concatenate([real, fake]), ops.concatenate([label_map, label_map])],
                                     training=training)
        batch_size, step = ops.shape(real)[0], self.discriminator.outputs_per_scale
        halves = [(output[:batch_size], output[batch_size:]) for output in outputs]
        return [(halves[i : i + step - 1], halves[i + step - 1]) for i in range(0, len(halves), step)]

    def discriminator_objective(self, real, fake, label_map, training=True):
        """The hinge loss of the discriminator, averaged over scales, with its logs."""
        judged = self.judge(real, fake, label_map, training)
        loss = sum(losses.discriminator_loss(r, f, "hinge") for _, (r, f) in judged) / len(judged)
        return loss, {
            "discriminator_loss": loss,
            "real_score": sum(ops.mean(r) for _, (r, _) in judged) / len(judged),
            "fake_score": sum(ops.mean(f) for _, (_, f) in judged) / len(judged),
        }

    def generator_objective(self, real, label_map, noise, training=True):
        """The loss of the generator and the encoder on one generated batch, with its logs."""
        z, kl = self.style_code(real, noise, training)
        fake = self.generator([z, label_map], training=training)
        judged = self.judge(real, fake, label_map, training)
        adversarial = sum(losses.generator_loss(f, "hinge") for _, (_, f) in judged) / len(judged)
        matching = sum(losses.feature_distance(*zip(*features)) for features, _ in judged) / len(judged)
        perceptual = ops.zeros(())
        if self.perceptual_extractor is not None:
            perceptual = losses.feature_distance(self.perceptual_extractor(real, training=False),
                                                 self.perceptual_extractor(fake, training=False),
                                                 self.perceptual_layer_weights)
        loss = (adversarial + self.feature_matching_weight * matching + self.kl_weight * kl
                + self.perceptual_weight * perceptual)
        return loss, {
            "generator_loss": loss, "adversarial_loss": adversarial, "feature_matching_loss": matching,
            "kl_loss": kl, "perceptual_loss": perceptual,
        }

    def unpack_pairs(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("SPADEGAN trains on (images, label_maps) pairs: call fit(x, label_maps)")
        return ops.convert_to_tensor(data[0]), ops.cast(data[1], "int32")

    def style_code(self, real, noise, training=True):
        """Reparameterized `z` for `real` and the mean KL of q(z|x) to the prior."""
        mean, log_var = self.encoder(real, training=training)
        return mean + ops.exp(0.5 * log_var) * noise, ops.mean(losses.kl_divergence(mean, log_var))

    def train_step(self, data):
        real, label_map = self.unpack_pairs(data)
        noise = keras.random.normal((ops.shape(real)[0], self.latent_dim), seed=self.seed_generator)

        # Train the discriminator: real pairs against generated ones
        z, _ = self.style_code(real, noise)
        fake = ops.stop_gradient(self.generator([z, label_map], training=True))
        logs = self.minimize(
            lambda: self.discriminator_objective(real, fake, label_map),
            self.discriminator.trainable_variables, self.discriminator_optimizer,
        )

        # Train the generator and the encoder (one optimizer, as NVlabs's optimizer_G)
        logs.update(self.minimize(
            lambda: self.generator_objective(real, label_map, noise),
            self.variables_of("generator"), self.generator_optimizer,
        ))
        return self.record(logs)

    def test_step(self, data):
        real, label_map = self.unpack_pairs(data)
        noise = keras.random.normal((ops.shape(real)[0], self.latent_dim), seed=self.seed_generator)
        _, logs = self.generator_objective(real, label_map, noise, training=False)
        z, _ = self.style_code(real, noise, training=False)
        fake = self.generator([z, label_map], training=False)
        logs.update(self.discriminator_objective(real, fake, label_map, training=False)[1])
        return self.record(logs)

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, np.ndarray):
            if y is None:
                raise ValueError("y must hold one label map per image for a SPADEGAN, got None")
            y = self.check_label_maps(y, "y")
            if len(y) != len(x):
                raise ValueError(f"y must have one map per image ({len(x)}), got {len(y)}")
        return super().fit(x, y, *args, **kwargs)

    def check_label_maps(self, label_maps, name="label_maps"):
        """Int maps `(N, H, W)` of classes in `[0, num_classes)` (the runtime's contract,
        `kerasgen_runtime.spade_sampler.check_label_maps`), as int32."""
        return check_label_maps(label_maps, self.map_shape, self.num_classes, name).astype("int32")

    # Saving ------------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update({
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "feature_matching_weight": self.feature_matching_weight,
            "kl_weight": self.kl_weight,
            "perceptual_extractor": None if self.perceptual_extractor is None
            else keras.saving.serialize_keras_object(self.perceptual_extractor),
            "perceptual_weight": self.perceptual_weight,
            "perceptual_layer_weights": self.perceptual_layer_weights,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return super().from_config(deserialize_networks(config, ("encoder", "perceptual_extractor")))

    # Inference ---------------------------------------------------------------------

    def preview(self, num_samples=64, seed=0, images=None):
        return None  # its samples need label maps (see kerasgen.zoo.spade_evaluation)

    def encode(self, images, batch_size=256):
        """Posterior parameters `(mean, log_var)` of images in [-1, 1], as NumPy."""
        images = self.check_data(images, self.data_shape, "images")
        return tuple(predict_in_batches(self.encoder, images, batch_size))

    def sample(self, num_samples, seed=None, label_maps=None, style_images=None, batch_size=256,
               latent_generator=DEFAULT_GENERATOR):
        """`num_samples` images for `label_maps` (one map, or one per sample).

        z ~ N(0, I) from `seed`, or, with `style_images` (one, or one per sample, in
        [-1, 1]), the encoder's mean for each: the reference's style on the map. The
        contract of `kerasgen_runtime.SPADESampler.sample`, which gives the same images.
        """
        return np.concatenate(list(self.sample_batches(num_samples, seed, label_maps, style_images,
                                                       batch_size, latent_generator)))

    def sample_batches(self, num_samples, seed=None, label_maps=None, style_images=None, batch_size=256,
                       latent_generator=DEFAULT_GENERATOR):
        """Yields `sample(...)` in consecutive batches, one batch in memory at a time."""
        num_samples = check_positive_int("num_samples", num_samples)
        if label_maps is None:
            raise ValueError("label_maps must be given for a SPADEGAN (int maps of shape "
                             f"{self.map_shape}), got None")
        label_maps = self.check_label_maps(label_maps)
        style = None
        if style_images is not None:
            style_images = np.asarray(style_images, dtype="float32")
            style, _ = self.encode(style_images[None] if style_images.ndim == 3 else style_images)

        def generate(maps, z):
            images = self.generator([z, maps.astype("int32")], training=False)
            return np.asarray(ops.convert_to_numpy(images), "float32")

        return spade_batches(generate, label_maps, num_samples, self.latent_dim, seed, style, batch_size,
                             latent_generator, maps_name="label_maps", style_name="style_images")


def check_layer_weights(extractor, weights):
    """One weight per extractor output: VGG's 1/32, 1/16, 1/8, 1/4, 1 when None and
    there are five, else equal (None without an extractor)."""
    if extractor is None:
        return None if weights is None else [float(w) for w in weights]
    count = len(extractor.outputs)
    if weights is None:
        weights = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0] if count == 5 else [1.0] * count
    if len(weights) != count:
        raise ValueError(
            f"perceptual_layer_weights must have one weight per extractor output ({count}), "
            f"got {len(weights)}"
        )
    return [float(w) for w in weights]


def check_spade_networks(encoder, generator, discriminator):
    if len(getattr(generator, "inputs", None) or ()) != 2 or getattr(generator, "num_classes", None) is None:
        raise ValueError("generator must take [z, label_map] and have num_classes (a SPADEGenerator), "
                         f"got {type(generator).__name__}")
    outputs = encoder.outputs if hasattr(encoder, "outputs") else ()
    if len(outputs) != 2:
        raise ValueError(f"encoder must output [mean, log_var], got {len(outputs)} output(s)")
    latent_dim = int(generator.input_shape[0][-1])
    if int(encoder.output_shape[0][-1]) != latent_dim:
        raise ValueError(f"encoder latent size must equal the generator's z size {latent_dim}, "
                         f"got {encoder.output_shape[0][-1]}")
    if tuple(encoder.input_shape[1:]) != tuple(generator.output_shape[1:]):
        raise ValueError(f"encoder input shape must equal the generator output shape "
                         f"{tuple(generator.output_shape[1:])}, got {tuple(encoder.input_shape[1:])}")
    for name in ("num_scales", "outputs_per_scale"):
        if not hasattr(discriminator, name):
            raise ValueError(f"discriminator must have {name} (a MultiscaleDiscriminator), "
                             f"got {type(discriminator).__name__}")
    if getattr(discriminator, "num_classes", generator.num_classes) != generator.num_classes:
        raise ValueError(f"discriminator.num_classes must equal generator.num_classes "
                         f"{generator.num_classes}, got {discriminator.num_classes}")


def vgg19_extractor(image_shape, weights="imagenet"):
    """VGG19's relu1_1 ... relu5_1 outputs for images in [-1, 1] (NVlabs's VGGLoss).

    Needs the ImageNet weights (downloaded by Keras, or a local `.h5` path in
    `weights`); offline without them, raises a RuntimeError saying how to provide them.
    """
    try:
        return VGGFeatures(tuple(image_shape), weights=weights)
    except Exception as error:  # urllib / OSError, whatever the download raises
        raise RuntimeError(
            f"VGG19 ImageNet weights are unavailable ({error}); they cannot be downloaded here. "
            "Pass weights=PATH to a local vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5, or "
            "give SPADEGAN another perceptual_extractor (a network returning a list of feature maps)"
        ) from error
