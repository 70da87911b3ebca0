import keras
from keras import ops

from kerasgen import backend as kg_backend
from kerasgen.checks import check_non_negative, check_positive_int
from kerasgen.losses import discriminator_loss, generator_loss, score
from kerasgen.models.adversarial import (
    AdversarialModel,
    check_discriminator,
    check_label_smoothing,
    check_loss,
    decision_threshold,
    pack,
    packed_shape,
)
from kerasgen.models.user_networks import accept_players


@keras.saving.register_keras_serializable(package="kerasgen")
class GAN(AdversarialModel):
    """Generative adversarial network trained by alternating updates of its two players.

    Each `train_step` makes `discriminator_steps` discriminator updates on a real batch
    against freshly generated samples, then one generator update; each update changes
    only its own network's weights, with its own optimizer. The discriminator outputs
    logits; `real_score` / `fake_score` report D(x) as a probability for the logistic
    losses (`non_saturating`, `minimax`) and as the raw output otherwise.

    Args:
        generator: a network mapping `z` (shape `(latent_dim,)`) to data; `latent_dim`
            is read from its input.
        discriminator: a network mapping data (or `packing` samples stacked on the last
            axis) to one logit per example.
        loss: `"non_saturating"` (generator minimizes -log D(G(z))), `"minimax"` (the
            saturating log(1 - D(G(z))) of the original game), `"hinge"` or
            `"least_squares"`.
        discriminator_steps: discriminator updates per generator update (>= 1).
        label_smoothing: one-sided smoothing: real targets become `1 - label_smoothing`.
        instance_noise: std of Gaussian noise added to every discriminator input.
        packing: PacGAN degree m: the discriminator judges m samples at once.
        share_fake_batch: if True, the generator's update uses the batch generated for
            the last discriminator update (the same noise, through the same recorded
            forward pass, as PyTorch's DCGAN example does) instead of generating a fresh
            one: one generator forward pass fewer per step. If False (default), fresh
            noise for each phase, as in Goodfellow et al.'s Algorithm 1.
        seed: seed of the training noise (`z`, instance noise, augmentation).
        augment: None, `"diffaugment"` or `"ada"`: differentiable augmentation of
            every batch the discriminator judges in training, real and generated, in
            both players' updates (never of what `sample` returns): DiffAugment
            (`kerasgen.augmentation.DiffAugment`) or ADA's adaptive probability over
            its transforms (`kerasgen.augmentation.AdaptiveAugment`); logs `r_t`
            (E[sign(D(real))]) and, for ADA, `augment_p`. Images only.
        augment_policy: the transforms, `"color,translation,cutout"` by default.
        ada_target, ada_adjustment_images, ada_interval: ADA's r_t target (0.6),
            real images in which p can go from 0 to 1 (500k) and discriminator
            updates between adjustments (4).

    Example:
    ```python
    generator = kerasgen.networks.MLP(input_dim=8, output_dim=2, hidden_units=(128, 128))
    discriminator = kerasgen.networks.MLP(input_dim=2 * 4, output_dim=1)
    gan = kerasgen.models.GAN(generator, discriminator, packing=4, seed=0)
    gan.compile(generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    gan.fit(points, epochs=20, batch_size=512)
    samples = gan.sample(2500, seed=0)
    ```

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", 2014; Lin et al., "PacGAN",
        2018; Sonderby et al., "Amortised MAP Inference for Image Super-resolution"
        (instance noise), 2017; Mao et al., "Least Squares GANs", 2017; Zhao et al.,
        "Differentiable Augmentation for Data-Efficient GAN Training", 2020; Karras et
        al., "Training Generative Adversarial Networks with Limited Data", 2020.
    """

    augmentations = ("diffaugment", "ada")
    metric_names = ("discriminator_loss", "generator_loss", "real_score", "fake_score")

    def __init__(
        self,
        generator,
        discriminator,
        loss="non_saturating",
        discriminator_steps=1,
        label_smoothing=0.0,
        instance_noise=0.0,
        packing=1,
        share_fake_batch=False,
        seed=None,
        **kwargs,
    ):
        generator, discriminator = accept_players(generator, discriminator, packing)
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.loss_name = check_loss(loss)
        self.discriminator_steps = check_positive_int("discriminator_steps", discriminator_steps)
        self.label_smoothing = check_label_smoothing(label_smoothing, loss)
        self.instance_noise = check_non_negative("instance_noise", instance_noise)
        self.packing = check_positive_int("packing", packing)
        if not isinstance(share_fake_batch, bool):
            raise ValueError(f"share_fake_batch must be a bool, got {share_fake_batch!r}")
        self.share_fake_batch = share_fake_batch
        check_discriminator(discriminator, packed_shape(self.data_shape, self.packing), packing)
        self.built = True

    # Training ------------------------------------------------------------------------

    def discriminator_logits(self, real, fake, training=True):
        """Logits of a real and a generated batch, in one discriminator call (both
        augmented in training)."""
        if training and self.augmentation is not None:
            real, fake = ops.split(self.augmented(ops.concatenate([real, fake])), 2)
        real, fake = pack(self.add_noise(real), self.packing), pack(self.add_noise(fake), self.packing)
        logits = self.discriminator(ops.concatenate([real, fake]), training=training)
        return logits[: ops.shape(real)[0]], logits[ops.shape(real)[0] :]

    def fake_logits(self, fake):
        """The logits of the generator's update: its samples as the discriminator sees them."""
        return self.discriminator(pack(self.add_noise(self.augmented(fake)), self.packing), training=True)

    def add_noise(self, x):
        if not self.instance_noise:
            return x
        return x + self.instance_noise * keras.random.normal(ops.shape(x), seed=self.seed_generator)

    def train_step(self, data):
        real = self.unpack_inputs(data)
        batch_size = ops.shape(real)[0]

        # Train the discriminator
        for step in range(self.discriminator_steps):
            if self.share_fake_batch and step == self.discriminator_steps - 1:
                fake, generator_pass = kg_backend.forward(
                    lambda: self.generate(batch_size), self.generator.trainable_variables
                )
            else:
                fake = self.generate(batch_size)

            def discriminator_objective(fake=fake):
                real_logits, fake_logits = self.discriminator_logits(real, fake)
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
            self.observe(logs, batch_size)

        # Train the generator
        def generator_objective(fake):
            loss = generator_loss(self.fake_logits(fake), self.loss_name)
            return loss, {"generator_loss": loss}

        if self.share_fake_batch:
            logs.update(kg_backend.minimize_through(generator_pass, generator_objective, self.generator_optimizer))
        else:
            logs.update(self.minimize(
                lambda: generator_objective(self.generate(batch_size)),
                self.generator.trainable_variables, self.generator_optimizer,
            ))
        return self.record(logs)

    def test_step(self, data):
        real = self.unpack_inputs(data)
        fake = self.generate(ops.shape(real)[0], training=False)
        real_logits, fake_logits = self.discriminator_logits(real, fake, training=False)
        return self.record({
            "discriminator_loss": discriminator_loss(real_logits, fake_logits, self.loss_name, self.label_smoothing),
            "generator_loss": generator_loss(fake_logits, self.loss_name),
            "real_score": score(real_logits, self.loss_name),
            "fake_score": score(fake_logits, self.loss_name),
            **self.real_signs(real_logits, self.threshold),
        })

    @property
    def threshold(self):
        return decision_threshold(self.loss_name, self.label_smoothing)

    def get_config(self):
        config = super().get_config()
        config.update({
            "loss": self.loss_name,
            "discriminator_steps": self.discriminator_steps,
            "label_smoothing": self.label_smoothing,
            "instance_noise": self.instance_noise,
            "packing": self.packing,
            "share_fake_batch": self.share_fake_batch,
        })
        return config
