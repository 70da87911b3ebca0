"""JAX: pure functions of the training state, run from the models' Python train steps.

Keras's JAX trainer jits `train_step(state, data)`, a pure function of the values of
the model's trainable, non-trainable (seed generators, batch-norm statistics),
optimizer and metric variables. `stateless_step` runs a model's ordinary
`train_step(data)` inside one `keras.StatelessScope` holding that whole state: reads
see the state, writes (optimizer updates, seed advances, tracker updates) are recorded
in the scope and returned as the new state. `minimize` differentiates `loss_fn` with
`jax.value_and_grad` w.r.t. the trained variables only, then applies the optimizer,
which writes the new values into the scope. A model with several optimizers (GANs)
compiles a `keras.optimizers.MultiOptimizer` over them so that every optimizer's
variables are part of the state Keras hands to the step.
"""

import contextlib
import contextvars
import functools

import jax
import jax.numpy as jnp
import keras

# The variables of the state of the step being traced (set by `stateless_step`).
_STATE = contextvars.ContextVar("kerasgen_jax_state", default=None)


def _state_groups(model, kind):
    """The variable lists in the order of Keras's JAX state tuple for `kind`."""
    groups = [model.trainable_variables, model.non_trainable_variables]
    if kind == "train":
        groups.append(model.optimizer.variables)
    groups.append(model.metrics_variables)
    return groups


def stateless_step(model, step, kind, state, data):
    """Runs `step(data)` (a model's Python train/test step) as a pure function of `state`."""
    groups = _state_groups(model, kind)
    variables = [v for group in groups for v in group]
    values = [value for group_values in state for value in group_values]
    token = _STATE.set(variables)
    try:
        with keras.StatelessScope(state_mapping=list(zip(variables, values))) as scope:
            logs = step(data)
    finally:
        _STATE.reset(token)
    # A write to a variable outside the state would be silently lost after the step
    # (e.g. an optimizer the model uses but did not join into its JointOptimizer).
    # `state_mapping` (variable id -> value) holds the state and every variable written.
    known = {id(v) for v in variables}
    stray = [key for key in scope.state_mapping if key not in known]
    if stray:
        raise RuntimeError(
            f"{type(model).__name__}.{kind}_step updated {len(stray)} variable(s) that are "
            "not part of the model's JAX training state; every optimizer a model uses must "
            "be reachable from `model.optimizer` (compile a kerasgen.backend.JointOptimizer "
            "over them) and every other variable must be tracked by the model"
        )
    new_state = tuple([scope.get_current_value(v) for v in group] for group in groups)
    return logs, new_state


@contextlib.contextmanager
def stateless_steps(model):
    """While Keras builds its step functions, `model.train_step/test_step` take state.

    Keras's JAX trainer jits `self.train_step(state, data)`; kerasgen models define
    `train_step(data)`. The instance attributes shadow the methods only for the
    duration of `make_train_function` / `make_test_function`. (Not for Keras's Flax NNX
    mode, which looks the step up on the class.)
    """
    patched = {}
    for kind in ("train", "test"):
        name = f"{kind}_step"
        python_step = getattr(model, name)
        patched[name] = functools.partial(stateless_step, model, python_step, kind)
    model.__dict__.update(patched)
    try:
        yield
    finally:
        for name in patched:
            model.__dict__.pop(name, None)


def _current_state():
    variables = _STATE.get()
    if variables is None:
        raise RuntimeError(
            "kerasgen.backend.minimize on JAX must run inside a kerasgen model's train_step "
            "called by fit / train_on_batch (it needs the stateless training state)"
        )
    return variables


def _capture(others):
    """Current values of `others` (read from the active scope)."""
    return [(v, v.value) for v in others]


def _pure(fn, variables, others):
    """`fn` as a pure function of the values of `variables` (for `jax` transforms).

    `variables` take the traced values; everything else (seed generators, batch-norm
    statistics) its current value. Returns `(output, moved)`: `moved` holds the new
    values of the `others` that `fn` wrote (see `_commit`).
    """

    def pure(values, *args):
        current = _capture(others)
        with keras.StatelessScope(state_mapping=list(zip(variables, values)) + current) as scope:
            output = fn(*args)
        moved = {
            index: scope.get_current_value(v)
            for index, (v, value) in enumerate(current)
            if scope.get_current_value(v) is not value
        }
        return output, moved

    return pure


def _commit(others, moved):
    for index, value in moved.items():
        others[index].assign(value)


def _others(variables):
    """The state's variables other than `variables`."""
    trained = {id(v) for v in variables}
    return [v for v in _current_state() if id(v) not in trained]


def _differentiate(pure, others, argument):
    """`jax.value_and_grad` of `pure(argument) -> ((loss, logs), moved)`; commits `moved`.

    Returns `(logs, gradient w.r.t. argument)`.
    """

    def compute(value):
        (loss, logs), moved = pure(value)
        return loss, (logs, moved)

    (_, (logs, moved)), grad = jax.value_and_grad(compute, has_aux=True)(argument)
    _commit(others, moved)
    return logs, grad


def _check_built(optimizer):
    if not optimizer.built:
        raise RuntimeError(
            f"optimizer {optimizer.name!r} must be built before training on JAX "
            "(GenerativeModel.build_optimizers does it for the model's optimizers)"
        )


def minimize(loss_fn, variables, optimizer):
    variables = list(variables)
    _check_built(optimizer)
    others = _others(variables)
    logs, grads = _differentiate(_pure(loss_fn, variables, others), others, [v.value for v in variables])
    # Inside the step's scope this is the optimizer's `stateless_apply` on its own slice
    # of the state: it reads its slots and the trained values there and writes them back.
    _apply(optimizer, grads, variables)
    return logs


def _apply(optimizer, grads, variables):
    if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer.apply(grads, variables)
        return
    # A LossScaleOptimizer's `apply` assigns inside the branches of an `ops.cond`, which
    # JAX traces as pure functions (the assigned values would leak out of them); its
    # `stateless_apply` returns the new values instead, for the variables it was built
    # with, in their order.
    built = optimizer._trainable_variables
    given = {id(v): g for v, g in zip(variables, grads)}
    if set(given) != {id(v) for v in built}:
        raise ValueError(
            f"optimizer {optimizer.name!r} (loss-scaled) must update exactly the variables it "
            f"was built with ({len(built)}), got {len(variables)} others"
        )
    new_values, new_slots = optimizer.stateless_apply(
        [v.value for v in optimizer.variables], [given[id(v)] for v in built], [v.value for v in built]
    )
    for variable, value in zip(list(built) + list(optimizer.variables), list(new_values) + list(new_slots)):
        variable.assign(value)


def forward(fn, variables):
    others = _others(variables)
    output, pullback, moved = jax.vjp(_pure(fn, variables, others), [v.value for v in variables], has_aux=True)
    _commit(others, moved)
    return output, (output, pullback, variables)


def minimize_through(pass_, loss_fn, optimizer):
    output, pullback, variables = pass_
    _check_built(optimizer)
    others = _others([])
    # No variable is traced here: the gradient is w.r.t. the recorded pass's output.
    logs, d_output = _differentiate(functools.partial(_pure(loss_fn, [], others), []), others, output)
    (grads,) = pullback(d_output)
    _apply(optimizer, grads, variables)
    return logs


def gradients(scalar_fn, tensor):
    # Writes made by scalar_fn (e.g. batch-norm statistics) hold tracers of this inner
    # differentiation; they are discarded, as they could not leave it.
    others = _STATE.get() or []

    def value(t):
        with keras.StatelessScope(state_mapping=_capture(others)):
            return jnp.sum(scalar_fn(t))

    return jax.grad(value)(tensor)


def is_chief():
    return jax.process_index() == 0
