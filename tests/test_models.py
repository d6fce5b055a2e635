"""The presets against the numbers of the notes and the papers (shape arithmetic only)."""
import pytest

from convkit import models
from convkit.backends import use_backend
from convkit.shapes import format_bytes


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


def counted(table):
    """(layer, volume, params, activations) of the rows that hold a volume of their own."""
    return [(row.layer.split()[0], row.volume, row.params, row.activations)
            for row in table.rows if row.activations]


def test_vgg16_reproduces_the_notes_table():
    net = models.vgg16()
    table = net.summary((3, 224, 224))
    assert not net.built

    def conv(d_in, k, size):
        return ("CONV", (k, size, size), 9 * d_in * k + k, size * size * k)

    def pool(k, size):
        return ("POOL", (k, size, size), 0, size * size * k)

    assert counted(table) == [
        ("INPUT", (3, 224, 224), 0, 150_528),
        conv(3, 64, 224), conv(64, 64, 224), pool(64, 112),
        conv(64, 128, 112), conv(128, 128, 112), pool(128, 56),
        conv(128, 256, 56), conv(256, 256, 56), conv(256, 256, 56), pool(256, 28),
        conv(256, 512, 28), conv(512, 512, 28), conv(512, 512, 28), pool(512, 14),
        conv(512, 512, 14), conv(512, 512, 14), conv(512, 512, 14), pool(512, 7),
        ("FC", (4096,), 7 * 7 * 512 * 4096 + 4096, 4096),
        ("FC", (4096,), 4096 * 4096 + 4096, 4096),
        ("FC", (1000,), 4096 * 1000 + 1000, 1000)]
    assert table.rows[1].activations == 224 * 224 * 64 == 3_211_264
    assert table.rows[1].weights == 1_728
    assert table.params == 138_357_544
    assert (table.weights, table.biases) == (138_344_128, 13_416)
    assert table.activations == 15_237_608
    assert table.forward_memory.activation_bytes == 4 * 15_237_608
    assert format_bytes(table.forward_memory.activation_bytes) == "58.1 MiB"
    text = str(table)
    assert "138,357,544" in text and "15,237,608" in text and "224x224x64" in text


def test_alexnet_single_gpu_parameters_and_volumes():
    table = models.alexnet().summary()
    assert table.params == 62_378_344
    volumes = [row.volume for row in table.rows if row.layer.startswith(("CONV", "POOL"))]
    assert volumes == [(96, 55, 55), (96, 27, 27), (256, 27, 27), (256, 13, 13),
                       (384, 13, 13), (384, 13, 13), (256, 13, 13), (256, 6, 6)]
    assert table.rows[1].params == 11 * 11 * 3 * 96 + 96


def test_zfnet_volumes_and_parameters():
    table = models.zfnet().summary()
    volumes = [row.volume for row in table.rows if row.layer.startswith(("CONV", "POOL"))]
    assert volumes == [(96, 111, 111), (96, 55, 55), (256, 27, 27), (256, 13, 13),
                       (384, 13, 13), (384, 13, 13), (256, 13, 13), (256, 6, 6)]
    assert table.rows[1].params == 7 * 7 * 3 * 96 + 96
    assert table.params == 62_378_344 - (11 * 11 - 7 * 7) * 3 * 96


def test_three_layer_convnet_as_in_assignment_2():
    net = models.three_layer_convnet()
    assert [layer.describe() for layer in net.layers] == [
        "CONV K=32 F=7 S=1 P=3", "RELU", "POOL F=2 S=2", "FC K=100", "RELU", "FC K=10"]
    assert net.summary().params == (7 * 7 * 3 * 32 + 32) + (16 * 16 * 32 * 100 + 100) + 1010
    assert net.loss_layer.kind == "SOFTMAX"


def test_small_cifar_net():
    net = models.small_cifar_net()
    assert net.input_shape == (3, 32, 32) and net.output_shape == (10,)
    assert [layer.out_shape for layer in net.layers if layer.kind == "POOL"] == [
        (32, 16, 16), (64, 8, 8), (128, 4, 4), (256, 2, 2)]
    convs = [(3, 32), (32, 64), (64, 128), (128, 256)]
    assert net.summary().params == (sum(9 * d * k + k + 2 * k for d, k in convs)
                                    + 2 * 2 * 256 * 10 + 10)


def test_whitened_cifar_net():
    net = models.whitened_cifar_net()
    assert net.input_shape == (3, 32, 32) and net.output_shape == (10,)
    assert net.layers[0].describe() == "WHITEN F=2 (K=24 fixed filters)"
    assert [layer.out_shape for layer in net.layers if layer.kind == "POOL"] == [
        (32, 15, 15), (64, 7, 7), (128, 3, 3)]
    convs = [(24, 32), (32, 32), (32, 64), (64, 64), (64, 128), (128, 128)]
    assert net.summary().params == (sum(9 * d * k + k + 2 * k for d, k in convs)
                                    + 3 * 3 * 128 * 10 + 10)
