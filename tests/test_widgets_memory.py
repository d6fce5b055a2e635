"""The memory calculator: the notes' block and VGG-16, units, GPU fits, largest batch, the view."""
import pytest

from convkit.widgets.memory import GIB, NOTES_BLOCK, MemoryModel, describe_bytes, notes_block


def test_notes_block_is_73_5_mib_with_gradients():
    model = MemoryModel()
    assert model.preset == NOTES_BLOCK
    b = model.breakdown()
    assert b.activations == 3 * 224 * 224 * 64 == 9_633_792
    assert b.activation_bytes == 2 * 4 * 9_633_792 == 77_070_336
    assert describe_bytes(b.activation_bytes) == "73.5 MiB"
    assert b.params == (3 * 3 * 3 * 64 + 64) + 2 * (3 * 3 * 64 * 64 + 64) == 75_648
    assert b.param_bytes == 3 * 4 * 75_648
    assert b.misc_bytes == 224 * 224 * 3 * 4
    assert b.total_bytes == b.activation_bytes + b.param_bytes + b.misc_bytes
    assert '"about 10 million activations,\n    or 72MB"' in notes_block.__doc__


def test_inference_float64_and_batch_scale_the_right_sources():
    model = MemoryModel(batch_size=10, dtype="float64", training=False)
    b = model.breakdown()
    assert b.activation_bytes == 10 * 8 * 9_633_792
    assert b.param_bytes == 8 * 75_648
    assert b.misc_bytes == 10 * 8 * 224 * 224 * 3


def test_vgg16_numbers():
    model = MemoryModel(preset="VGG-16", batch_size=64)
    b = model.breakdown()
    assert b.params == 138_357_544
    assert b.activations == 15_237_608 - 224 * 224 * 3      # the notes' table without the input
    assert b.param_bytes == 3 * 4 * 138_357_544
    assert b.activation_bytes == 64 * 2 * 4 * b.activations


@pytest.mark.parametrize("gpu", [3, 4, 6, 12, 16, 24, 80])
def test_largest_batch_is_the_edge_of_fitting(gpu):
    for preset in (NOTES_BLOCK, "VGG-16"):
        model = MemoryModel(preset=preset, gpu_gb=gpu)
        n = model.largest_batch()
        per_image = 4 * (2 * model.breakdown().activations + 224 * 224 * 3)
        assert n == (gpu * GIB - 3 * 4 * model.breakdown().params) // per_image
        model.batch_size = n
        assert model.fits()
        model.batch_size = n + 1
        assert not model.fits()


def test_largest_batch_numbers():
    assert MemoryModel(gpu_gb=12).largest_batch() == (12 * GIB - 907_776) // 77_672_448 == 165
    # 3 GiB less 3 copies of 138,357,544 float32 parameters, over 4 * (2 * 15,087,080 + 150,528)
    assert MemoryModel(preset="VGG-16", gpu_gb=3).largest_batch() == 1_560_934_944 // 121_298_752
    assert 1_560_934_944 // 121_298_752 == 12


def test_bad_settings_name_the_setting():
    with pytest.raises(ValueError, match="batch_size"):
        MemoryModel(batch_size=0).breakdown()
    with pytest.raises(ValueError, match="dtype"):
        MemoryModel(dtype="float16").breakdown()
    with pytest.raises(ValueError, match="preset"):
        MemoryModel(preset="LeNet")


def test_pattern_and_net():
    a = MemoryModel(pattern="INPUT -> CONV -> RELU -> FC")
    assert a.breakdown().activations == 32 * 32 * 32 + 10
    assert MemoryModel(net=notes_block()).breakdown() == MemoryModel().breakdown()


def test_view_follows_its_controls():
    from convkit.widgets import MemoryCalculator
    view = MemoryCalculator()
    png = view.chart.widget.value
    assert "73.5 MiB" in view.numbers.value
    view.batch.value = 200
    assert view.model.batch_size == 200 and "does NOT fit" in view.numbers.value
    assert view.chart.widget.value != png
    view.mode.value = "inference"
    assert not view.model.training and "fits;" in view.numbers.value
    view.preset.value = "VGG-16"
    assert "138,357,544" in view.numbers.value
    view.gpu.value = 80
    assert "80 GiB GPU" in view.numbers.value
    assert view.status.value == ""


def test_view_takes_any_gpu_size():
    from convkit.widgets import MemoryCalculator
    view = MemoryCalculator(gpu_gb=10, batch_size=100)
    assert view.gpu.value == 10 and "10 GiB GPU: fits" in view.numbers.value
    assert view.model.largest_batch() == (10 * GIB - 907_776) // 77_672_448
