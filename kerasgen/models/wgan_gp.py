import keras
from keras import ops

from kerasgen import backend as kg_backend
from kerasgen.checks import check_non_negative, check_positive_int
from kerasgen.models.adversarial import AdversarialModel, check_discriminator
from kerasgen.models.user_networks import accept_players


@keras.saving.register_keras_serializable(package="kerasgen")
class WGANGP(AdversarialModel):
    """Wasserstein GAN with gradient penalty.

    The critic (`discriminator`, unbounded output, no batch normalization) maximizes
    E[D(x)] - E[D(G(z))] minus `gradient_penalty_weight` times E[(||grad D(x_hat)|| -
    1)^2] on random interpolates x_hat between real and generated samples, which keeps
    it near 1-Lipschitz; the generator minimizes -E[D(G(z))]. Each `train_step` makes
    `discriminator_steps` critic updates (fresh noise each, the same real batch), then
    one generator update. `real_score` / `fake_score` are the critic's mean outputs, so
    `real_score - fake_score` estimates the Wasserstein distance.

    Args:
        generator: a network mapping `z` (shape `(latent_dim,)`) to data.
        discriminator: the critic, mapping data to one unbounded score per example.
        discriminator_steps: critic updates per generator update (5 in the paper).
        gradient_penalty_weight: lambda of the penalty (10 in the paper).
        seed: seed of the training noise (`z`, the interpolation weights, augmentation).
        augment: None or `"diffaugment"`: the critic judges augmented views of real
            and generated images in both players' updates, and the penalty's
            interpolates lie between the augmented views (as `kerasgen.models.GAN`;
            not `"ada"`: a critic's scores have no fixed zero for ADA's r_t).
        augment_policy: the transforms, `"color,translation,cutout"` by default.

    Example:
    ```python
    generator = kerasgen.networks.DCGANGenerator(64, (28, 28, 1))
    critic = kerasgen.networks.DCGANDiscriminator((28, 28, 1))
    wgan = kerasgen.models.WGANGP(generator, critic, seed=0)
    wgan.compile(
        generator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        discriminator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
    )
    wgan.fit(x_train_signed, epochs=20, batch_size=64)
    ```

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", 2017; Zhao et al.,
        "Differentiable Augmentation for Data-Efficient GAN Training", 2020.
    """

    augmentations = ("diffaugment",)
    monitors = ("sample_diversity",)  # a critic's loss has no floor to call a win
    metric_names = (
        "discriminator_loss", "generator_loss", "real_score", "fake_score", "gradient_penalty"
    )

    def __init__(
        self,
        generator,
        discriminator,
        discriminator_steps=5,
        gradient_penalty_weight=10.0,
        seed=None,
        **kwargs,
    ):
        generator, discriminator = accept_players(generator, discriminator)
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.discriminator_steps = check_positive_int("discriminator_steps", discriminator_steps)
        self.gradient_penalty_weight = check_non_negative(
            "gradient_penalty_weight", gradient_penalty_weight
        )
        check_discriminator(discriminator, self.data_shape, name="discriminator (critic)")
        self.built = True

    @property
    def critic(self):
        return self.discriminator

    def gradient_penalty(self, real, fake, epsilon=None):
        """E[(||grad_x D(x_hat)||_2 - 1)^2], x_hat = epsilon * real + (1 - epsilon) * fake.

        `epsilon` holds one weight per example (drawn uniformly when None).
        """
        batch_size = ops.shape(real)[0]
        broadcast = (batch_size,) + (1,) * len(self.data_shape)
        if epsilon is None:
            epsilon = keras.random.uniform(broadcast, seed=self.seed_generator)
        epsilon = ops.reshape(ops.cast(epsilon, real.dtype), broadcast)
        interpolated = epsilon * real + (1.0 - epsilon) * fake
        gradients = kg_backend.gradients(
            lambda x: ops.sum(self.discriminator(x, training=True)), interpolated
        )
        norms = ops.sqrt(ops.sum(ops.square(ops.reshape(gradients, (batch_size, -1))), axis=1) + 1e-12)
        return ops.mean(ops.square(norms - 1.0))

    def train_step(self, data):
        real = self.unpack_inputs(data)
        batch_size = ops.shape(real)[0]

        # Train the critic
        for _ in range(self.discriminator_steps):
            fake = self.generate(batch_size)

            def critic_objective(fake=fake):
                views = self.augmented(ops.concatenate([real, fake]))
                scores = self.discriminator(views, training=True)
                real_score, fake_score = ops.mean(scores[:batch_size]), ops.mean(scores[batch_size:])
                penalty = self.gradient_penalty(views[:batch_size], views[batch_size:])
                loss = fake_score - real_score + self.gradient_penalty_weight * penalty
                return loss, {
                    "discriminator_loss": loss, "real_score": real_score,
                    "fake_score": fake_score, "gradient_penalty": penalty,
                }

            logs = self.minimize(
                critic_objective, self.discriminator.trainable_variables, self.discriminator_optimizer
            )

        # Train the generator
        def generator_objective():
            loss = -ops.mean(self.discriminator(self.augmented(self.generate(batch_size)), training=True))
            return loss, {"generator_loss": loss}

        logs.update(
            self.minimize(generator_objective, self.generator.trainable_variables, self.generator_optimizer)
        )
        return self.record(logs)

    def test_step(self, data):
        real = self.unpack_inputs(data)
        fake = self.generate(ops.shape(real)[0], training=False)
        real_score = ops.mean(self.discriminator(real, training=False))
        fake_score = ops.mean(self.discriminator(fake, training=False))
        penalty = self.gradient_penalty(real, fake)
        return self.record({
            "discriminator_loss": fake_score - real_score + self.gradient_penalty_weight * penalty,
            "generator_loss": -fake_score, "real_score": real_score, "fake_score": fake_score,
            "gradient_penalty": penalty,
        })

    def get_config(self):
        config = super().get_config()
        config.update({
            "discriminator_steps": self.discriminator_steps,
            "gradient_penalty_weight": self.gradient_penalty_weight,
        })
        return config
