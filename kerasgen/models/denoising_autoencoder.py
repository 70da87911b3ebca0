import keras
from keras import ops

from kerasgen.models.autoencoder import Autoencoder

NOISE_TYPES = ("gaussian", "masking")


@keras.saving.register_keras_serializable(package="kerasgen")
class DenoisingAutoencoder(Autoencoder):
    """Autoencoder trained to reconstruct clean inputs from corrupted ones.

    The corruption is applied inside `train_step` only: `call`, `predict` and
    `evaluate` see the inputs as given, so the model denoises what it is fed.

    Args:
        encoder: network mapping x to the code z.
        decoder: network mapping z back to x.
        loss: `"mse"`, `"l1"` or `"bce"`.
        noise: `"gaussian"` (additive, std `noise_level`) or `"masking"` (each pixel set
            to 0 with probability `noise_level`).
        noise_level: std of the Gaussian noise, or masking probability in [0, 1).
        seed: seed of the corruption.

    Example:
    ```python
    dae = kerasgen.models.DenoisingAutoencoder(encoder, decoder, noise="gaussian",
                                                noise_level=0.3, seed=0)
    dae.compile(optimizer="adam")
    dae.fit(x_train, epochs=5)
    clean = dae.reconstruct(x_noisy)
    ```

    Reference:
        Vincent et al., "Extracting and Composing Robust Features with Denoising
        Autoencoders", 2008.
    """

    def __init__(
        self, encoder, decoder, loss="mse", noise="gaussian", noise_level=0.3, seed=None, **kwargs
    ):
        super().__init__(encoder, decoder, loss=loss, **kwargs)
        if noise not in NOISE_TYPES:
            raise ValueError(f"noise must be one of {list(NOISE_TYPES)}, got {noise!r}")
        if noise_level < 0 or (noise == "masking" and noise_level >= 1):
            raise ValueError(
                f"noise_level must be >= 0 (and < 1 for masking), got {noise_level}"
            )
        self.noise = noise
        self.noise_level = float(noise_level)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def corrupt(self, x):
        """The training corruption of a batch (a tensor)."""
        if self.noise == "gaussian":
            return x + self.noise_level * keras.random.normal(ops.shape(x), seed=self.seed_generator)
        keep = keras.random.uniform(ops.shape(x), seed=self.seed_generator) >= self.noise_level
        return x * ops.cast(keep, x.dtype)

    def training_input(self, x):
        return self.corrupt(x)

    def get_config(self):
        config = super().get_config()
        config.update({"noise": self.noise, "noise_level": self.noise_level, "seed": self.seed})
        return config
