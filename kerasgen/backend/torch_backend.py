"""torch: zero the trained parameters' gradients, `backward`, then `optimizer.apply`."""

import torch


def minimize(loss_fn, variables, optimizer):
    variables = list(variables)
    # Earlier phases (e.g. the generator update backpropagating through the
    # discriminator) may have left gradients on these parameters.
    for variable in variables:
        variable.value.grad = None
    loss, logs = loss_fn()
    loss.backward()
    grads = [variable.value.grad for variable in variables]
    with torch.no_grad():
        optimizer.apply(grads, variables)
    return {name: value.detach() for name, value in logs.items()}


def gradients(scalar_fn, tensor):
    # create_graph keeps the result differentiable (a gradient penalty is trained on).
    tensor = tensor.detach().requires_grad_(True)
    value = torch.sum(scalar_fn(tensor))
    (grad,) = torch.autograd.grad(value, tensor, create_graph=True)
    return grad
