"""Nets of the notes and the assignments, written as pattern strings.

Every function returns a Net (parameters made on first use, so summary()
of the large ones is instant); keyword arguments go to Net.from_pattern
(seed, dtype, weight_scale, num_classes, ...). Local response normalization
of AlexNet and ZFNet is left out: it has no parameters, and later nets
dropped it.
"""
from .net import Net

ALEXNET = ("INPUT -> CONV(K=96, F=11, S=4, P=0) -> RELU -> POOL(F=3, S=2)"
           " -> CONV(K=256, F=5, P=2) -> RELU -> POOL(F=3, S=2)"
           " -> CONV(384) -> RELU -> CONV(384) -> RELU -> CONV(256) -> RELU -> POOL(F=3, S=2)"
           " -> [FC(4096) -> RELU -> DROPOUT]*2 -> FC")

ZFNET = ("INPUT -> CONV(K=96, F=7, S=2, P=2, mode=floor) -> RELU -> POOL(F=3, S=2)"
         " -> CONV(K=256, F=5, S=2, P=1) -> RELU -> POOL(F=3, S=2)"
         " -> CONV(384) -> RELU -> CONV(384) -> RELU -> CONV(256) -> RELU -> POOL(F=3, S=2)"
         " -> [FC(4096) -> RELU -> DROPOUT]*2 -> FC")

VGG16 = ("INPUT -> [CONV(64) -> RELU]*2 -> POOL -> [CONV(128) -> RELU]*2 -> POOL"
         " -> [CONV(256) -> RELU]*3 -> POOL -> [CONV(512) -> RELU]*3 -> POOL"
         " -> [CONV(512) -> RELU]*3 -> POOL -> [FC(4096) -> RELU -> DROPOUT]*2 -> FC")

SMALL_CIFAR = "INPUT -> [CONV -> POOL -> BN -> RELU]*4 -> FC"

WHITENED_CIFAR = ("INPUT -> WHITEN(F=2) -> RELU"
                  " -> [CONV(K=32) -> POOL(mode=floor) -> BN -> RELU -> CONV(K=32) -> BN -> RELU]"
                  " -> [CONV(K=64) -> POOL(mode=floor) -> BN -> RELU -> CONV(K=64) -> BN -> RELU]"
                  " -> [CONV(K=128) -> POOL(mode=floor) -> BN -> RELU -> CONV(K=128) -> BN -> RELU]"
                  " -> FC")


def alexnet(**kwargs):
    """AlexNet (Krizhevsky et al. 2012) on 227x227x3 inputs, 1000 classes.

    The single-GPU version, without the two-GPU filter groups: conv 96
    11x11/4 -> 55x55x96, max pool 3/2 -> 27x27, conv 256 5x5 P2, pool -> 13x13,
    conv 384, 384, 256 3x3 P1, pool -> 6x6x256, FC 4096, 4096, 1000 (dropout
    after the first two): 62,378,344 parameters.
    """
    kwargs.setdefault("num_classes", 1000)
    return Net.from_pattern(ALEXNET, input_shape=(3, 227, 227), **kwargs)


def zfnet(**kwargs):
    """ZFNet (Zeiler and Fergus 2013, Fig. 3) on 224x224x3 inputs, 1000 classes.

    The paper's sizes come from rounding it does not state. Here: conv1 96
    7x7/2 with P=2 in mode="floor" (221/2 + 1 -> 111, one input row unused),
    max pool 3/2 -> 55x55; conv2 256 5x5/2 P=1 -> 27x27, pool -> 13x13;
    conv 384, 384, 256 3x3 P1; pool -> 6x6x256; FC 4096, 4096, 1000. The
    pools, and so all the parameter counts, match the paper's 55, 13 and 6.
    """
    kwargs.setdefault("num_classes", 1000)
    return Net.from_pattern(ZFNET, input_shape=(3, 224, 224), **kwargs)


def vgg16(**kwargs):
    """VGG-16 (configuration D of Simonyan and Zisserman 2014), 224x224x3, 1000 classes.

    3x3 convs with S=1, P=1 and 2x2 max pools, as in the notes' table:
    138,357,544 parameters, 15,237,608 activations per image.
    """
    kwargs.setdefault("num_classes", 1000)
    return Net.from_pattern(VGG16, input_shape=(3, 224, 224), **kwargs)


def three_layer_convnet(num_filters=32, filter_size=7, hidden_dim=100, **kwargs):
    """CS231n assignment 2's ThreeLayerConvNet for 32x32x3 inputs.

    conv (num_filters, filter_size x filter_size, S=1, size-keeping padding)
    -> relu -> 2x2 max pool -> affine hidden_dim -> relu -> affine num_classes
    -> softmax.
    """
    pattern = (f"INPUT -> CONV(K={num_filters}, F={filter_size}) -> RELU -> POOL"
               f" -> FC({hidden_dim}) -> RELU -> FC")
    return Net.from_pattern(pattern, **kwargs)


def small_cifar_net(**kwargs):
    """A small, fast CIFAR-10 net: four conv-pool-BN-ReLU blocks, then one FC.

    3x3 convs with 32, 64, 128, 256 filters, each followed by a 2x2 max pool:
    32x32x3 -> 16x16x32 -> 8x8x64 -> 4x4x128 -> 2x2x256 -> FC 10.
    About 400K parameters and 15M multiply-adds per image. Each block pools
    right after its CONV and before BN and RELU (as the fast CIFAR-10
    training records do; the notes' pattern puts RELU before POOL): max
    pooling and ReLU commute, and BN and RELU then handle 4x fewer numbers,
    which made a training step about 20% faster at the same accuracy per
    epoch. lesson 11 trains it to about 80% test accuracy in 3 minutes on two
    CPU cores (convkit.recipe, benchmarks/train_cifar.py).
    """
    return Net.from_pattern(SMALL_CIFAR, **kwargs)


def whitened_cifar_net(**kwargs):
    """small_cifar_net's successor for longer runs: a whitening layer, then three blocks of two CONVs.

    WHITEN(F=2) (24 fixed 2x2 filters, fitted with net.fit_whitening(images);
    see layers.whiten) -> RELU -> 31x31x24, then blocks of CONV -> POOL -> BN
    -> RELU -> CONV -> BN -> RELU with 32, 64 and 128 filters: 15x15x32 ->
    7x7x64 -> 3x3x128 (floor-mode pools) -> FC 10. About 305K parameters and
    20M multiply-adds per image (small_cifar_net: 400K and 15M). The layout
    is that of the fast CIFAR-10 training records (airbench, Jordan 2024) at
    a quarter to a half of their widths. benchmarks/train_cifar.py --budget
    600 trains it (recipe.long_run).
    """
    return Net.from_pattern(WHITENED_CIFAR, **kwargs)
