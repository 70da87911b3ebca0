import keras


class JointOptimizer(keras.optimizers.MultiOptimizer):
    """The optimizers of a model with several players (GAN, VAE-GAN), compiled as one.

    Each player (a network, or several networks trained together by one optimizer, as
    SPADE's generator and style encoder) keeps its own optimizer, which the model's
    train step passes to `minimize`. This `MultiOptimizer` routes every variable to its player's optimizer
    so that `model.optimizer.variables` hold every optimizer's state: on JAX that puts
    all of it in the training state Keras threads through the jitted step (each
    optimizer then updates its own slice of that state). `iterations` is the first
    player's optimizer's, which counts training steps.

    Models save and restore each player's optimizer under its own attribute (their
    compile config names them), so this optimizer has no config of its own.

    Args:
        players: list of `(optimizer, networks)` pairs, one optimizer instance per
            player; `networks` is a network or a list of networks.

    Example:
    ```python
    # In a model's compile:
    super().compile(optimizer=kerasgen.backend.JointOptimizer(
        [(self.generator_optimizer, self.generator),
         (self.discriminator_optimizer, self.discriminator)]))
    ```
    """

    def __init__(self, players, name="joint_optimizer"):
        players = [(keras.optimizers.get(optimizer), networks if isinstance(networks, (list, tuple)) else [networks])
                   for optimizer, networks in players]
        optimizers = [optimizer for optimizer, _ in players]
        if len({id(optimizer) for optimizer in optimizers}) != len(optimizers):
            raise ValueError(
                "players must each have their own optimizer instance, got "
                f"{[optimizer.name for optimizer in optimizers]} with a repeated instance"
            )
        owners = {}
        for optimizer, networks in players:
            for variable in trainable_variables(networks):
                owners[id(variable)] = optimizer

        def route(variable):
            if id(variable) not in owners:
                raise ValueError(
                    f"variable {variable.path!r} belongs to none of the networks given to "
                    "JointOptimizer; pass every trained network with its optimizer"
                )
            return unwrapped(owners[id(variable)])

        super().__init__(route, name=name)
        # A loss-scaled player (mixed_float16) routes to the optimizer it wraps, which
        # MultiOptimizer accepts; its own variables (the scale and its step counter) are
        # added to `variables`, so they are saved and, on JAX, in the training state.
        self._loss_scalers = [o for o in optimizers if isinstance(o, keras.optimizers.LossScaleOptimizer)]
        self._inner_optimizers = [unwrapped(optimizer) for optimizer in optimizers]
        # Build now: every optimizer's variables must exist before Keras collects the
        # training state or loads saved optimizer state (players already built stay so).
        for optimizer, networks in players:
            if optimizer in self._loss_scalers and not optimizer.built:
                optimizer.build(trainable_variables(networks))
        self.build([v for _, networks in players for v in trainable_variables(networks)])

    @property
    def variables(self):
        return super().variables + [v for scaler in self._loss_scalers for v in scaler._variables]

    @property
    def iterations(self):
        return self._inner_optimizers[0].iterations

    def get_config(self):
        raise NotImplementedError(
            "JointOptimizer is not serialized: models save each player's optimizer"
        )


def unwrapped(optimizer):
    """The optimizer a `LossScaleOptimizer` wraps, else `optimizer`."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.inner_optimizer
    return optimizer


def trainable_variables(networks):
    """The trainable variables of a list of networks, in order."""
    return [variable for network in networks for variable in network.trainable_variables]
