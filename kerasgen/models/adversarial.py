"""Packing, checks, saving helpers and the base class of the GAN family's models (their
losses are in `kerasgen.losses`)."""

import keras
from keras import ops
from kerasgen_runtime.latents import DEFAULT_GENERATOR, draw_latents

from kerasgen import augmentation
from kerasgen import backend as kg_backend
from kerasgen import precision
from kerasgen.backend import JointOptimizer
from kerasgen.backend.joint_optimizer import trainable_variables
from kerasgen.losses import GAN_LOSSES
from kerasgen.models.generative_model import GenerativeModel, deserialize_networks, predict_in_batches

def pack(x, packing):
    """Stacks groups of `packing` consecutive samples on the last axis (PacGAN).

    A batch of N samples becomes N // packing packed samples; a remainder is dropped.
    """
    if packing == 1:
        return x
    per_example = tuple(x.shape[1:])
    count = (ops.shape(x)[0] // packing) * packing
    x = ops.reshape(x[:count], (-1, packing) + per_example)
    if len(per_example) == 3:  # images: (N/m, m, H, W, C) -> (N/m, H, W, m*C)
        x = ops.transpose(x, (0, 2, 3, 1, 4))
    return ops.reshape(x, (-1,) + packed_shape(per_example, packing))


def packed_shape(data_shape, packing):
    return tuple(data_shape[:-1]) + (data_shape[-1] * packing,)


# Checks and helpers shared by the GAN family ------------------------------------------


def check_loss(loss):
    if loss not in GAN_LOSSES:
        raise ValueError(f"loss must be one of {list(GAN_LOSSES)}, got {loss!r}")
    return loss


def check_label_smoothing(value, loss):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"label_smoothing must be a float in [0, 1), got {value!r}")
    if value and loss == "hinge":
        raise ValueError(
            f"label_smoothing must be 0 with loss='hinge' (it has no targets), got {value!r}"
        )
    return float(value)


def latent_dim_of(generator, expected=None):
    """The generator's noise size: its (first) input must be a vector `(latent_dim,)`."""
    shape = tuple(generator.input_shape[0] if isinstance(generator.input_shape, list) else generator.input_shape)
    if len(shape) != 2 or shape[1] is None:
        raise ValueError(
            f"generator must take a noise vector of shape (latent_dim,), got input shape {shape[1:]}"
        )
    if expected is not None and shape[1] != expected:
        raise ValueError(f"generator input size must equal latent_dim {expected}, got {shape[1]}")
    return int(shape[1])


def check_discriminator(discriminator, expected_input_shape, packing=1, name="discriminator"):
    """The discriminator must take the generator's samples and give one logit each."""
    input_shape = discriminator.input_shape
    input_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
    if tuple(input_shape[1:]) != tuple(expected_input_shape):
        what = f" ({packing} samples packed on the last axis)" if packing > 1 else ""
        raise ValueError(
            f"{name} input shape must equal the generator output shape{what} "
            f"{tuple(expected_input_shape)}, got {tuple(input_shape[1:])}"
        )
    output_shape = discriminator.output_shape
    if isinstance(output_shape, list) or tuple(output_shape[1:]) != (1,):
        raise ValueError(f"{name} must output one logit per example, shape (1,), got {output_shape}")


def decision_threshold(loss, label_smoothing=0.0):
    """The discriminator output that separates "real" from "generated": 0 for logits
    and the hinge loss, the midpoint of the targets for least squares."""
    return (1.0 - label_smoothing) / 2.0 if loss == "least_squares" else 0.0


def output_range_of(generator):
    """(low, high) of the generator's samples, read from its output activation."""
    activation = getattr(generator, "output_activation", None)
    if activation is None and getattr(generator, "layers", None):
        activation = getattr(generator.layers[-1], "activation", None)
        activation = getattr(activation, "__name__", activation)
    return {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(activation, (None, None))


def distinct_optimizers(**optimizers):
    """Resolves one optimizer per network; each needs its own instance (its own state)."""
    resolved = {name: keras.optimizers.get(value) for name, value in optimizers.items()}
    seen = {}
    for name, optimizer in resolved.items():
        if id(optimizer) in seen:
            raise ValueError(
                f"{seen[id(optimizer)]} and {name} must be different optimizer instances (each "
                f"keeps the state of one network), got the same object {optimizer!r} twice"
            )
        seen[id(optimizer)] = name
    return list(resolved.values())


def compile_config(model, optimizer_names):
    """Compile config with every player's optimizer, so `.keras` files restore them."""
    if not model.compiled:
        return {}
    config = {name: getattr(model, name) for name in optimizer_names}
    config.update(
        steps_per_execution=model.steps_per_execution, jit_compile=model.jit_compile,
        run_eagerly=model.run_eagerly,
    )
    return keras.saving.serialize_keras_object(config)


ADA_DEFAULTS = {"ada_target": 0.6, "ada_adjustment_images": 500_000, "ada_interval": 4}  # the paper's


# The players' base class -----------------------------------------------------------


class AdversarialModel(GenerativeModel):
    """What the GAN family's models share: networks ("players") that each train with
    their own optimizer, a generator whose samples are the model's output, seeded
    training noise that `.keras` files keep, and host-seeded sampling.

    Subclasses set `players` (the order of `model.optimizer`'s parts; the first one's
    `iterations` count training steps), `player_networks` where a player's optimizer
    trains more than the network of its name, `augmentations` (the values of `augment`
    they apply, see `kerasgen.augmentation`) and write `train_step`.

    With `augment`, `self.augmentation` holds the layer and a subclass passes every
    image batch its discriminator judges in training through `self.augmented`; a model
    whose discriminator has a decision threshold logs `r_t` = E[sign(D(real))] and
    `augment_p` (ADA's probability).
    """

    players = ("generator", "discriminator")
    monitors = ("gan_balance", "sample_diversity")  # kerasgen.callbacks.MONITORS
    # The networks (attribute names) each player's optimizer trains; a player not named
    # trains its own network.
    player_networks = {}
    augmentations = ()  # the values of `augment` the model applies (besides None)

    def __init__(self, generator, discriminator, seed=None, augment=None,
                 augment_policy=augmentation.DEFAULT_POLICY, ada_target=0.6,
                 ada_adjustment_images=500_000, ada_interval=4, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim_of(generator)
        self.generator = generator
        self.discriminator = discriminator
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.output_range = output_range_of(generator)
        self.augment_options = self.check_augment(augment, augment_policy, ada_target,
                                                  ada_adjustment_images, ada_interval)

    # Augmentation of the discriminator's view -----------------------------------------

    def check_augment(self, augment, policy, target, adjustment_images, interval):
        """Builds `self.augmentation` (None without `augment`); returns the options."""
        if augment is not None and augment not in self.augmentations:
            raise ValueError(
                f"augment must be one of {[None, *self.augmentations]} for {type(self).__name__}, got "
                f"{augment!r}" + (" (ADA's r_t = E[sign(D(real))] needs a discriminator whose output has a "
                                  "decision threshold)" if augment == "ada" else "")
            )
        ada = {"ada_target": target, "ada_adjustment_images": adjustment_images, "ada_interval": interval}
        changed = {name: value for name, value in ada.items() if value != ADA_DEFAULTS[name]}
        if augment != "ada" and changed:
            raise ValueError(f"{', '.join(changed)} apply with augment='ada' only, got augment={augment!r}")
        if augment is None and policy != augmentation.DEFAULT_POLICY:
            raise ValueError(f"augment_policy applies with an augment only, got augment=None and {policy!r}")
        self.augmentation = augmentation.from_options(augment, policy, target, adjustment_images, interval)
        if augment is None:
            return {}
        if len(self.data_shape) != 3:
            raise ValueError(
                f"augment={augment!r} needs image data (height, width, channels), got data shape {self.data_shape}"
            )
        options = {"augment": augment, "augment_policy": self.augmentation.policy}
        if augment == "ada":
            options.update(ada_target=self.augmentation.target, ada_interval=self.augmentation.interval,
                           ada_adjustment_images=self.augmentation.adjustment_images)
        if "ada" in self.augmentations:  # a discriminator with a decision threshold: r_t
            names = ("r_t",) + (("augment_p",) if self.augmentation.adaptive else ())
            self.metric_names = tuple(self.metric_names) + names
            self.trackers["r_t"] = keras.metrics.Mean(name="r_t")
        return options

    def augmented(self, images):
        """The discriminator's training view of `images` (unchanged without `augment`)."""
        if self.augmentation is None:
            return images
        return self.augmentation.augment(images, self.seed_generator)

    def real_signs(self, real_logits, threshold):
        """`{"r_t": E[sign(D(real) - threshold)]}` (ADA's overfitting heuristic) when
        augmenting, else `{}`."""
        if self.augmentation is None:
            return {}
        return {"r_t": ops.mean(ops.sign(ops.stop_gradient(real_logits) - threshold))}

    def observe(self, logs, count):
        """Hands one discriminator update's r_t (of `count` real examples) to ADA."""
        if self.augmentation is not None:
            self.augmentation.observe(logs["r_t"], count)

    def record(self, values):
        logs = super().record(values)
        if self.augmentation is not None and self.augmentation.adaptive:
            # A new tensor, not the variable: logs outlive the step (torch updates in place).
            logs = dict(logs, **kg_backend.step_logs({"augment_p": ops.add(self.augmentation.probability.value, 0.0)}))
        return logs

    @property
    def data_shape(self):
        return tuple(self.generator.output_shape[1:])

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def generate(self, batch_size, training=True):
        """A batch of samples from fresh training noise."""
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        return self.generator(z, training=training)

    # Compilation and saving ----------------------------------------------------------

    def compile(self, generator_optimizer="adam", discriminator_optimizer="adam", **kwargs):
        """Sets one optimizer per player; `steps_per_execution`, `jit_compile` as Keras."""
        self.compile_players(
            generator_optimizer=generator_optimizer, discriminator_optimizer=discriminator_optimizer, **kwargs
        )

    def compile_players(self, **kwargs):
        """Takes `<player>_optimizer` for every player, the rest goes to `keras.Model.compile`."""
        names = [f"{player}_optimizer" for player in self.players]
        optimizers = distinct_optimizers(**{name: kwargs.pop(name) for name in names})
        optimizers = [precision.loss_scaled(optimizer, self) for optimizer in optimizers]  # float16
        for name, optimizer in zip(names, optimizers):
            setattr(self, name, optimizer)
        # `model.optimizer` joins them all (on JAX this puts their state in the
        # training state); its `iterations` are the first player's.
        super().compile(optimizer=JointOptimizer([
            (optimizer, self.networks_of(player)) for player, optimizer in zip(self.players, optimizers)
        ]), **kwargs)

    def networks_of(self, player):
        """The networks `player`'s optimizer trains."""
        return [getattr(self, name) for name in self.player_networks.get(player, (player,))]

    def variables_of(self, player):
        """The trainable variables of the networks `player`'s optimizer trains."""
        return trainable_variables(self.networks_of(player))

    def get_compile_config(self):
        return compile_config(self, [f"{player}_optimizer" for player in self.players])

    def build_optimizers(self):
        for player in self.players:
            optimizer = getattr(self, f"{player}_optimizer")
            if not optimizer.built:  # a LossScaleOptimizer's build would add its variables again
                optimizer.build(self.variables_of(player))

    # Sampling ------------------------------------------------------------------------

    def sample(self, num_samples, seed=None, batch_size=256, latent_generator=DEFAULT_GENERATOR):
        """Generates `num_samples` samples from host-drawn latents (seeded;
        `latent_generator` as in `kerasgen_runtime.latents.draw_latents`)."""
        z = draw_latents(num_samples, self.latent_dim, seed, latent_generator)
        return predict_in_batches(self.generator, z, batch_size)

    def sampling_network(self):
        return self.generator

    def get_config(self):
        config = super().get_config()
        for player in self.players:
            config[player] = keras.saving.serialize_keras_object(getattr(self, player))
        config["seed"] = self.seed
        config.update(self.augment_options)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, cls.players))
