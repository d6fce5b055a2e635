"""The benchmarks' CIFAR-10 net, conv32-relu-pool, conv64-relu-pool, conv128-relu-pool, FC 10,
written once with the kit's ops and once with PyTorch's, so both time the same work."""
import numpy as np


def net_params(rng):
    """Weights and biases of the net on 3x32x32 images, float32."""
    shapes = [(32, 3, 3, 3), (32,), (64, 32, 3, 3), (64,), (128, 64, 3, 3), (128,), (2048, 10), (10,)]
    return [(0.05 * rng.standard_normal(s)).astype(np.float32) for s in shapes]


def kit_net(fns, params, x, y, train=True, lr=1e-3):
    """One training step (forward, backward, SGD update; returns the loss) or, with
    train=False, one forward pass (returns the scores). fns is convkit.ops or a backend
    module: both have the same functions."""
    caches = []
    h = x
    for i in range(3):
        h, conv_cache = fns.conv_forward(h, params[2 * i], params[2 * i + 1], 1, 1)
        h, relu_cache = fns.relu_forward(h)
        h, pool_cache = fns.max_pool_forward(h, 2, 2)
        caches.append((conv_cache, relu_cache, pool_cache))
    scores, fc_cache = fns.affine_forward(h, params[6], params[7])
    if not train:
        return scores
    loss, dscores = fns.softmax_loss(scores, y)
    dh, dw, db = fns.affine_backward(dscores, fc_cache)
    grads = [dw, db]
    for i, (conv_cache, relu_cache, pool_cache) in reversed(list(enumerate(caches))):
        dh = fns.max_pool_backward(dh, pool_cache)
        dh = fns.relu_backward(dh, relu_cache)
        # no gradient for the images (i = 0), as in PyTorch, where x does not require one
        dh, dw, db = fns.conv_backward(dh, conv_cache, need_dx=i > 0)
        grads[:0] = [dw, db]
    for p, g in zip(params, grads, strict=True):
        fns.sgd_update(p, g, lr)
    return loss


def torch_net(params, x, y, train=True, lr=1e-3):
    """kit_net in PyTorch: params are tensors that require gradients."""
    import torch
    import torch.nn.functional as tF

    with torch.set_grad_enabled(train):
        h = x
        for i in range(3):
            h = tF.max_pool2d(tF.relu(tF.conv2d(h, params[2 * i], params[2 * i + 1], 1, 1)), 2, 2)
        scores = h.reshape(h.shape[0], -1) @ params[6] + params[7]
        if not train:
            return scores
        loss = tF.cross_entropy(scores, y)
        loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss.item()
