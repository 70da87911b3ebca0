"""torch: gradients of the loss w.r.t. the trained parameters only, then `optimizer.apply`."""

import torch


def minimize(loss_fn, variables, optimizer):
    variables = list(variables)
    loss, logs = loss_fn()
    # `autograd.grad` w.r.t. these parameters (rather than `backward` into every
    # `.grad`) runs only the part of the graph that leads to them, like a TF tape: a
    # tensor computed before this update (e.g. the generated batch the discriminator
    # judges) keeps its graph for a later update, and other players' `.grad` stay empty.
    grads = torch.autograd.grad(loss, [v.value for v in variables], allow_unused=True)
    with torch.no_grad():
        optimizer.apply(list(grads), variables)
    return {name: value.detach() for name, value in logs.items()}


def forward(fn, variables):
    # The output keeps its autograd graph; other updates differentiate w.r.t. their own
    # parameters only, which leaves this graph in place for `minimize_through`.
    output = fn()
    return output, (output, variables)


def minimize_through(pass_, loss_fn, optimizer):
    output, variables = pass_
    return minimize(lambda: loss_fn(output), variables, optimizer)


def gradients(scalar_fn, tensor):
    # create_graph keeps the result differentiable (a gradient penalty is trained on).
    tensor = tensor.detach().requires_grad_(True)
    value = torch.sum(scalar_fn(tensor))
    (grad,) = torch.autograd.grad(value, tensor, create_graph=True)
    return grad
