import keras
from keras import ops

from kerasgen import backend as kg_backend
from kerasgen.backend import JointOptimizer
from kerasgen.datasets import check_value_range
from kerasgen.latents import check_positive_int, draw_latents
from kerasgen.models.adversarial import (
    check_discriminator,
    check_non_negative,
    compile_config,
    distinct_optimizers,
    latent_dim_of,
    load_seed_state,
    output_range_of,
    save_seed_state,
)
from kerasgen.models.generative_model import GenerativeModel, predict_in_batches


@keras.saving.register_keras_serializable(package="kerasgen")
class WGANGP(GenerativeModel):
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
        seed: seed of the training noise (`z` and the interpolation weights).

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
        Gulrajani et al., "Improved Training of Wasserstein GANs", 2017.
    """

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
        super().__init__(**kwargs)
        self.discriminator_steps = check_positive_int("discriminator_steps", discriminator_steps)
        self.gradient_penalty_weight = check_non_negative(
            "gradient_penalty_weight", gradient_penalty_weight
        )
        self.latent_dim = latent_dim_of(generator)
        self.generator = generator
        self.discriminator = discriminator
        check_discriminator(discriminator, self.data_shape, name="discriminator (critic)")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.output_range = output_range_of(generator)
        self.built = True

    @property
    def critic(self):
        return self.discriminator

    @property
    def data_shape(self):
        return tuple(self.generator.output_shape[1:])

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def generate(self, batch_size, training=True):
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        return self.generator(z, training=training)

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
                scores = self.discriminator(ops.concatenate([real, fake]), training=True)
                real_score, fake_score = ops.mean(scores[:batch_size]), ops.mean(scores[batch_size:])
                penalty = self.gradient_penalty(real, fake)
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
            loss = -ops.mean(self.discriminator(self.generate(batch_size), training=True))
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

    def fit(self, x=None, y=None, *args, **kwargs):
        if self.output_range[0] is not None and hasattr(x, "shape") and hasattr(x, "dtype"):
            check_value_range(x, self.output_range, "x")
        return super().fit(x, y, *args, **kwargs)

    # Compilation and saving ----------------------------------------------------------

    def compile(self, generator_optimizer="adam", discriminator_optimizer="adam", **kwargs):
        """Sets one optimizer per player; `steps_per_execution`, `jit_compile` as Keras."""
        self.generator_optimizer, self.discriminator_optimizer = distinct_optimizers(
            generator_optimizer=generator_optimizer, discriminator_optimizer=discriminator_optimizer
        )
        # `model.optimizer` joins both (on JAX this puts both optimizers' state in the
        # training state); its `iterations` are the generator's: they count training steps.
        super().compile(optimizer=JointOptimizer([
            (self.generator_optimizer, self.generator),
            (self.discriminator_optimizer, self.discriminator),
        ]), **kwargs)

    def get_compile_config(self):
        return compile_config(self, ("generator_optimizer", "discriminator_optimizer"))

    def build_optimizers(self):
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    def save_own_variables(self, store):
        super().save_own_variables(store)
        save_seed_state(self, store)

    def load_own_variables(self, store):
        super().load_own_variables(load_seed_state(self, store))

    # Sampling ------------------------------------------------------------------------

    def sample(self, num_samples, seed=None, batch_size=256):
        """Generates `num_samples` samples from host-drawn latents (seeded)."""
        z = draw_latents(num_samples, self.latent_dim, seed)
        return predict_in_batches(self.generator, z, batch_size)

    def sampling_network(self):
        return self.generator

    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "discriminator_steps": self.discriminator_steps,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "seed": self.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("generator", "discriminator"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
