import keras
import numpy as np
from keras import ops
from kerasgen_runtime.latents import DEFAULT_GENERATOR, check_positive_int, draw_latents

from kerasgen.checks import check_non_negative
from kerasgen.data.user_arrays import from_arrays
from kerasgen.losses import discriminator_loss, generator_loss, score
from kerasgen.models.adversarial import (
    AdversarialModel,
    check_discriminator,
    check_label_smoothing,
    check_loss,
    decision_threshold,
)
from kerasgen.models.user_networks import accept_players


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalGAN(AdversarialModel):
    """Class-conditional GAN: both players see the label.

    The generator maps `[z, label]` to data and the discriminator scores `[x, label]`
    (labels int32, shape `()` per example). Training alternates as in
    `kerasgen.models.GAN`; generated samples use the labels of the real batch, so the
    discriminator learns whether an image is a real example *of that class*. `fit`
    takes `(x, y)`.

    Args:
        generator: a network with inputs `[z, label]`, e.g.
            `kerasgen.networks.ConditionalDCGANGenerator`.
        discriminator: a network with inputs `[x, label]` giving one logit per example.
        num_classes: number of labels; read from the networks' `num_classes` if None.
        loss: `"non_saturating"`, `"minimax"`, `"hinge"` or `"least_squares"`.
        discriminator_steps: discriminator updates per generator update.
        label_smoothing: one-sided smoothing of the real targets.
        instance_noise: std of Gaussian noise added to the discriminator's images.
        seed: seed of the training noise (and of the augmentation).
        augment, augment_policy, ada_target, ada_adjustment_images, ada_interval:
            differentiable augmentation of the discriminator's images (real and
            generated, labels unchanged), as in `kerasgen.models.GAN`.

    Example:
    ```python
    generator = kerasgen.networks.ConditionalDCGANGenerator(64, 10, (28, 28, 1))
    discriminator = kerasgen.networks.ConditionalDCGANDiscriminator((28, 28, 1), 10)
    cgan = kerasgen.models.ConditionalGAN(generator, discriminator, seed=0)
    cgan.compile(generator_optimizer="adam", discriminator_optimizer="adam")
    cgan.fit(x_train_signed, y_train, epochs=20, batch_size=128)
    sevens = cgan.sample(16, labels=7, seed=0)
    ```

    Reference:
        Mirza and Osindero, "Conditional Generative Adversarial Nets", 2014; Zhao et
        al., "Differentiable Augmentation for Data-Efficient GAN Training", 2020.
    """

    augmentations = ("diffaugment", "ada")
    metric_names = ("discriminator_loss", "generator_loss", "real_score", "fake_score")
    conditioning = "label"

    def __init__(
        self,
        generator,
        discriminator,
        num_classes=None,
        loss="non_saturating",
        discriminator_steps=1,
        label_smoothing=0.0,
        instance_noise=0.0,
        seed=None,
        **kwargs,
    ):
        generator, discriminator = accept_players(generator, discriminator)
        num_classes = check_num_classes(num_classes, generator, discriminator)
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.num_classes = num_classes
        self.loss_name = check_loss(loss)
        self.discriminator_steps = check_positive_int("discriminator_steps", discriminator_steps)
        self.label_smoothing = check_label_smoothing(label_smoothing, loss)
        self.instance_noise = check_non_negative("instance_noise", instance_noise)
        check_discriminator(discriminator, self.data_shape)
        self.built = True

    def unpack_labelled(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("ConditionalGAN trains on (x, y) pairs: call fit(x, y) with int labels")
        return data[0], ops.cast(ops.reshape(data[1], (-1,)), "int32")

    def discriminator_logits(self, real, fake, labels, training=True):
        """Logits of real and generated images of the same labels, in one call (the
        images augmented in training)."""
        images = ops.concatenate([real, fake])
        images = self.add_noise(self.augmented(images) if training else images)
        logits = self.discriminator([images, ops.concatenate([labels, labels])], training=training)
        return logits[: ops.shape(real)[0]], logits[ops.shape(real)[0] :]

    def add_noise(self, images):
        if not self.instance_noise:
            return images
        return images + self.instance_noise * keras.random.normal(ops.shape(images), seed=self.seed_generator)

    @property
    def threshold(self):
        return decision_threshold(self.loss_name, self.label_smoothing)

    def generate(self, labels, training=True):
        z = keras.random.normal((ops.shape(labels)[0], self.latent_dim), seed=self.seed_generator)
        return self.generator([z, labels], training=training)

    def train_step(self, data):
        real, labels = self.unpack_labelled(data)

        # Train the discriminator
        for _ in range(self.discriminator_steps):
            fake = self.generate(labels)

            def discriminator_objective(fake=fake):
                real_logits, fake_logits = self.discriminator_logits(real, fake, labels)
                loss = discriminator_loss(real_logits, fake_logits, self.loss_name, self.label_smoothing)
                return loss, {
                    "discriminator_loss": loss,
                    "real_score": score(real_logits, self.loss_name),
                    "fake_score": score(fake_logits, self.loss_name),
                    **self.real_signs(real_logits, self.threshold),
                }

            logs = self.minimize(
                discriminator_objective, self.discriminator.trainable_variables,
                self.discriminator_optimizer,
            )
            self.observe(logs, ops.shape(real)[0])

        # Train the generator
        def generator_objective():
            fake = self.add_noise(self.augmented(self.generate(labels)))
            loss = generator_loss(self.discriminator([fake, labels], training=True), self.loss_name)
            return loss, {"generator_loss": loss}

        logs.update(
            self.minimize(generator_objective, self.generator.trainable_variables, self.generator_optimizer)
        )
        return self.record(logs)

    def test_step(self, data):
        real, labels = self.unpack_labelled(data)
        fake = self.generate(labels, training=False)
        real_logits, fake_logits = self.discriminator_logits(real, fake, labels, training=False)
        return self.record({
            "discriminator_loss": discriminator_loss(real_logits, fake_logits, self.loss_name, self.label_smoothing),
            "generator_loss": generator_loss(fake_logits, self.loss_name),
            "real_score": score(real_logits, self.loss_name),
            "fake_score": score(fake_logits, self.loss_name),
            **self.real_signs(real_logits, self.threshold),
        })

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, np.ndarray):
            if y is None:
                raise ValueError("y must hold one int label per example for a ConditionalGAN, got None")
            x, y = from_arrays(x, y)
            self.check_labels(y, "y")
        return super().fit(x, y, *args, **kwargs)  # checks x's value range

    def check_labels(self, labels, name="labels"):
        labels = np.asarray(labels)
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(
                f"{name} must be ints in [0, {self.num_classes}), got values in "
                f"[{labels.min()}, {labels.max()}]"
            )
        return labels

    # Sampling ------------------------------------------------------------------------

    def sample(self, num_samples, seed=None, labels=None, batch_size=256,
               latent_generator=DEFAULT_GENERATOR):
        """Generates `num_samples` samples of the given labels (seeded latents).

        `labels` is one int for all samples, one int per sample, or None for the
        classes in turn (0, 1, ..., num_classes - 1, 0, ...).
        """
        num_samples = check_positive_int("num_samples", num_samples)
        if labels is None:
            labels = np.arange(num_samples) % self.num_classes
        labels = np.broadcast_to(np.asarray(labels), (num_samples,)) if np.ndim(labels) == 0 else np.asarray(labels)
        if labels.shape != (num_samples,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be an int or {num_samples} ints, got {labels.dtype} array of shape {labels.shape}"
            )
        labels = self.check_labels(labels).astype("int32")
        z = draw_latents(num_samples, self.latent_dim, seed, latent_generator)
        images = [
            ops.convert_to_numpy(
                self.generator([z[i : i + batch_size], labels[i : i + batch_size]], training=False)
            )
            for i in range(0, num_samples, batch_size)
        ]
        return np.concatenate(images)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_classes": self.num_classes,
            "loss": self.loss_name,
            "discriminator_steps": self.discriminator_steps,
            "label_smoothing": self.label_smoothing,
            "instance_noise": self.instance_noise,
        })
        return config


def check_num_classes(num_classes, generator, discriminator):
    """num_classes, given or read from the networks, must agree with both of them."""
    for name, network in (("generator", generator), ("discriminator", discriminator)):
        if len(getattr(network, "inputs", None) or ()) != 2:
            raise ValueError(
                f"{name} must take two inputs ([z or x, label]) for a ConditionalGAN, got "
                f"{len(getattr(network, 'inputs', None) or ())}"
            )
    if num_classes is None:
        num_classes = getattr(generator, "num_classes", None)
        if num_classes is None:
            raise ValueError("num_classes must be given (the generator has no num_classes), got None")
    num_classes = check_positive_int("num_classes", num_classes)
    for name, network in (("generator", generator), ("discriminator", discriminator)):
        found = getattr(network, "num_classes", None)
        if found is not None and found != num_classes:
            raise ValueError(f"{name}.num_classes must equal num_classes {num_classes}, got {found}")
    return num_classes
