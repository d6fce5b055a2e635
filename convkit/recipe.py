"""The class-length CIFAR-10 run: the settings of lesson 11 and benchmarks/train_cifar.py.

    trainer = class_run(data)              # data: convkit.data.prepare(load_cifar10())
    trainer.run(seconds=180)               # 6 to 8 epochs on 2 CPU cores
    trainer.evaluate("test", flip=True)    # about 80% of the test images right

long_run(data) is the same with whitened_cifar_net, for runs of ten minutes.

None of these settings is in the notes, which stop at the architecture.
Each was measured against the others at the same number of epochs (the
README's "Time to accuracy" has the table); what lost is not here.
"""
from . import models
from .optim import CosineSchedule, Nesterov
from .trainer import Trainer

BATCH_SIZE = 256
LR, MOMENTUM, WEIGHT_DECAY = 0.4, 0.9, 1e-3
WARMUP_SHARE = 0.15
CROP_PADDING = 2
WHITENING_IMAGES = 5000


def class_run(data, seed=0, net=None):
    """A Trainer of small_cifar_net (or net) on data, with the class run's settings:

    - batches of 256: larger matrix products, so more images a second than
      batches of 128, with the same accuracy after the same number of epochs;
    - Nesterov momentum 0.9, lr 0.4, weight decay 1e-3 (batchnorm makes each
      conv's output independent of its weights' scale, so a high rate and a
      stronger decay work together);
    - a one-cycle schedule: the rate rises over the first 15% of the steps,
      then falls along a cosine to zero; run(seconds=...) sizes it to the time;
    - random crops that move each image by up to 2 pixels, and flips: in a
      run of a few epochs, 4-pixel crops cost more than they teach.
    """
    net = net or models.small_cifar_net(seed=seed)
    schedule = CosineSchedule(total_steps=100, warmup=round(100 * WARMUP_SHARE))
    optimizer = Nesterov(lr=LR, mu=MOMENTUM, weight_decay=WEIGHT_DECAY, schedule=schedule)
    return Trainer(net, data, optimizer=optimizer, seed=seed, batch_size=BATCH_SIZE,
                   augment=True, crop_padding=CROP_PADDING)


def long_run(data, seed=0):
    """class_run with whitened_cifar_net, its whitening layer fitted to the first
    WHITENING_IMAGES training images: for runs of ten minutes, where it ends
    ahead of small_cifar_net (the README's "Time to accuracy")."""
    net = models.whitened_cifar_net(seed=seed)
    net.fit_whitening(data.preprocess(data.raw_train[:WHITENING_IMAGES]))
    return class_run(data, seed, net)
