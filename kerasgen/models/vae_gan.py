import keras
import numpy as np
from keras import ops

from kerasgen import losses
from kerasgen.checks import check_non_negative
from kerasgen.losses import discriminator_loss, generator_loss, score
from kerasgen.models.adversarial import (
    AdversarialModel,
    check_discriminator,
    check_loss,
)
from kerasgen.models.generative_model import predict_in_batches
from kerasgen.models.user_networks import accept_players
from kerasgen.models.vae import check_encoder_decoder


@keras.saving.register_keras_serializable(package="kerasgen")
class VAEGAN(AdversarialModel):
    """VAE whose reconstruction error is measured in a discriminator's feature space.

    Three players, each with its own loss and optimizer (Larsen et al. 2016):
    - the encoder minimizes `kl_weight * KL(q(z|x) || N(0, I)) + reconstruction_loss`;
    - the generator (decoder) minimizes `reconstruction_weight * reconstruction_loss`
      plus the adversarial loss of its reconstructions and prior samples;
    - the discriminator tells real images from both kinds of generated ones.
    `reconstruction_loss` is 0.5 * ||Dis_l(x) - Dis_l(x_tilde)||^2 summed over the
    discriminator's feature layer `feature_layer` (a unit-variance Gaussian in feature
    space), so "similar" means similar to the discriminator, not pixel-wise.

    Args:
        encoder: a variational encoder (`[mean, log_var]` outputs).
        generator: the decoder, mapping `z` to images.
        discriminator: a network giving one logit per image, with a layer named
            `feature_layer` (e.g. `kerasgen.networks.DCGANDiscriminator`'s `"features"`).
        feature_layer: name of the discriminator layer used for reconstruction.
        kl_weight: weight of the KL term in the encoder's loss.
        reconstruction_weight: gamma, the weight of the feature reconstruction in the
            generator's loss against the adversarial term.
        loss: adversarial loss, as in `kerasgen.models.GAN`.
        seed: seed of the training noise.

    Example:
    ```python
    encoder = kerasgen.networks.ConvEncoder((28, 28, 1), 32, variational=True)
    generator = kerasgen.networks.DCGANGenerator(32, (28, 28, 1))
    discriminator = kerasgen.networks.DCGANDiscriminator((28, 28, 1))
    model = kerasgen.models.VAEGAN(encoder, generator, discriminator, seed=0)
    model.compile(encoder_optimizer="adam", generator_optimizer="adam",
                  discriminator_optimizer="adam")
    model.fit(x_train_signed, epochs=20, batch_size=64)
    ```

    Reference:
        Larsen et al., "Autoencoding beyond pixels using a learned similarity metric",
        ICML 2016.
    """

    players = ("generator", "encoder", "discriminator")
    metric_names = (
        "encoder_loss", "generator_loss", "discriminator_loss", "kl_loss",
        "reconstruction_loss", "real_score", "fake_score",
    )
    encodes = reconstructs = True

    def __init__(
        self,
        encoder,
        generator,
        discriminator,
        feature_layer="features",
        kl_weight=1.0,
        reconstruction_weight=1.0,
        loss="non_saturating",
        seed=None,
        **kwargs,
    ):
        encoder, generator = check_encoder_decoder(encoder, generator, variational=True)
        generator, discriminator = accept_players(generator, discriminator)
        check_discriminator(discriminator, tuple(generator.output_shape[1:]))
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.kl_weight = check_non_negative("kl_weight", kl_weight)
        self.reconstruction_weight = check_non_negative("reconstruction_weight", reconstruction_weight)
        self.loss_name = check_loss(loss)
        self.encoder = encoder
        self.feature_layer = feature_layer
        # Shares the discriminator's layers; kept out of Keras tracking so that its
        # weights are saved once, under `discriminator`.
        object.__setattr__(self, "_features_and_logits", features_and_logits(discriminator, feature_layer))
        self.built = True

    def call(self, x, training=False):
        mean, _ = self.encoder(x, training=training)
        return self.generator(mean, training=training)

    def judge(self, real, fake, training=True):
        """One discriminator pass over `[real, fake]`: the feature reconstruction loss of
        the first `len(real)` fakes (reconstructions of `real`), and real/fake logits."""
        batch_size = ops.shape(real)[0]
        features, logits = self._features_and_logits(ops.concatenate([real, fake]), training=training)
        features = ops.reshape(features, (ops.shape(features)[0], -1))
        difference = features[:batch_size] - features[batch_size : 2 * batch_size]
        reconstruction = ops.mean(0.5 * ops.sum(ops.square(difference), axis=1))
        return reconstruction, logits[:batch_size], logits[batch_size:]

    def train_step(self, data):
        real = self.unpack_inputs(data)
        batch_size = ops.shape(real)[0]
        prior_z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        noise = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

        def encode():
            mean, log_var = self.encoder(real, training=True)
            return mean + ops.exp(0.5 * log_var) * noise, ops.mean(losses.kl_divergence(mean, log_var))

        # Train the discriminator: real images against reconstructions and prior samples
        z, _ = encode()
        fake = self.generator(ops.concatenate([z, prior_z]), training=True)

        def discriminator_objective():
            _, real_logits, fake_logits = self.judge(real, fake)
            loss = discriminator_loss(real_logits, fake_logits, self.loss_name)
            return loss, {
                "discriminator_loss": loss,
                "real_score": score(real_logits, self.loss_name),
                "fake_score": score(fake_logits, self.loss_name),
            }

        logs = self.minimize(
            discriminator_objective, self.discriminator.trainable_variables, self.discriminator_optimizer
        )

        # Train the encoder: prior term plus reconstruction in feature space
        def encoder_objective():
            z, kl = encode()
            reconstruction, _, _ = self.judge(real, self.generator(z, training=True))
            loss = self.kl_weight * kl + reconstruction
            return loss, {"encoder_loss": loss, "kl_loss": kl, "reconstruction_loss": reconstruction}

        logs.update(self.minimize(encoder_objective, self.encoder.trainable_variables, self.encoder_optimizer))

        # Train the generator: reconstruction in feature space plus fooling the discriminator
        def generator_objective():
            fake = self.generator(ops.concatenate([z, prior_z]), training=True)
            reconstruction, _, fake_logits = self.judge(real, fake)
            loss = self.reconstruction_weight * reconstruction + generator_loss(fake_logits, self.loss_name)
            return loss, {"generator_loss": loss}

        logs.update(self.minimize(generator_objective, self.generator.trainable_variables, self.generator_optimizer))
        return self.record(logs)

    def test_step(self, data):
        real = self.unpack_inputs(data)
        mean, log_var = self.encoder(real, training=False)
        kl = ops.mean(losses.kl_divergence(mean, log_var))
        prior_z = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        fake = self.generator(ops.concatenate([mean, prior_z]), training=False)
        reconstruction, real_logits, fake_logits = self.judge(real, fake, training=False)
        return self.record({
            "encoder_loss": self.kl_weight * kl + reconstruction,
            "generator_loss": self.reconstruction_weight * reconstruction
            + generator_loss(fake_logits, self.loss_name),
            "discriminator_loss": discriminator_loss(real_logits, fake_logits, self.loss_name),
            "kl_loss": kl, "reconstruction_loss": reconstruction,
            "real_score": score(real_logits, self.loss_name),
            "fake_score": score(fake_logits, self.loss_name),
        })

    # Compilation -------------------------------------------------------------------

    def compile(
        self, encoder_optimizer="adam", generator_optimizer="adam", discriminator_optimizer="adam", **kwargs
    ):
        """Sets one optimizer per player; `steps_per_execution`, `jit_compile` as Keras."""
        self.compile_players(
            encoder_optimizer=encoder_optimizer, generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer, **kwargs,
        )

    # Inference -----------------------------------------------------------------------

    def encode(self, x, batch_size=256):
        """Posterior parameters `(mean, log_var)` as NumPy arrays."""
        x = self.check_data(x, self.data_shape)
        return tuple(predict_in_batches(self.encoder, x, batch_size))

    def decode(self, z, batch_size=256):
        """The generator's images for codes `z`, as NumPy."""
        return predict_in_batches(self.generator, np.asarray(z, "float32"), batch_size)

    def reconstruct(self, x, batch_size=256):
        """Decodes the posterior mean of each input."""
        mean, _ = self.encode(x, batch_size)
        return self.decode(mean, batch_size)

    def get_config(self):
        config = super().get_config()
        config.update({
            "feature_layer": self.feature_layer,
            "kl_weight": self.kl_weight,
            "reconstruction_weight": self.reconstruction_weight,
            "loss": self.loss_name,
        })
        return config


def features_and_logits(discriminator, feature_layer):
    """A functional view of the discriminator returning `[features, logits]`."""
    names = [layer.name for layer in discriminator.layers]
    if feature_layer not in names:
        raise ValueError(
            f"feature_layer must name a layer of the discriminator ({names}), got {feature_layer!r}"
            + (" (a subclassed discriminator hides its layers: give VAEGAN a functional or "
               "Sequential one)" if len(names) == 2 else "")
        )
    features = discriminator.get_layer(feature_layer).output
    inputs = discriminator.inputs
    return keras.Model(inputs[0] if len(inputs) == 1 else inputs, [features, discriminator.outputs[0]])
