"""ConvDemoModel: every cell's arithmetic equals ops.conv_forward; settings, invalid ones, image mode."""
import itertools

import numpy as np
import pytest

from convkit import ops, use_backend
from convkit.widgets import ConvDemoModel


def check_every_cell(model, backend="numpy"):
    """Walk all K*Ho*Wo cells; the model's sum of products + bias must be ops.conv_forward's value."""
    with use_backend(backend):
        out, _ = ops.conv_forward(model.x[None], model.w, model.b, model.S, model.P)
    out = ops.to_numpy(out)[0] if backend != "numpy" else out[0]
    K, Ho, Wo = out.shape
    assert model.n_cells == K * Ho * Wo
    seen = set()
    for cell in range(model.n_cells):
        model.cell = cell
        k, i, j = model.position
        seen.add((k, i, j))
        r, c = model.window
        assert (r, c) == (i * model.S, j * model.S)
        F = model.F
        window = np.pad(model.x, ((0, 0), (model.P,) * 2, (model.P,) * 2))[:, r:r + F, c:c + F]
        np.testing.assert_array_equal(model.window_values, window)
        np.testing.assert_array_equal(model.products, window * model.w[k])
        np.testing.assert_array_equal(model.channel_sums, (window * model.w[k]).sum(axis=(1, 2)))
        assert model.bias == model.b[k]
        assert model.total == pytest.approx(out[k, i, j], abs=1e-12)
        assert model.out[k, i, j] == pytest.approx(out[k, i, j], abs=1e-12)
    assert len(seen) == model.n_cells


def test_default_is_the_notes_demo():
    model = ConvDemoModel()
    assert (model.W, model.F, model.S, model.P, model.K, model.C) == (5, 3, 2, 1, 2, 3)
    assert model.x.shape == (3, 5, 5) and model.w.shape == (2, 3, 3, 3)
    assert model.output_size == 3 and model.out.shape == (2, 3, 3) and model.n_cells == 18
    assert set(np.unique(model.w)) <= {-1, 0, 1} and set(np.unique(model.x)) <= {0, 1, 2}
    assert list(model.b) == [1, 0]
    assert model.x_padded.shape == (3, 7, 7)
    again = ConvDemoModel()
    np.testing.assert_array_equal(again.x, model.x)      # seeded
    check_every_cell(model)


def test_every_cell_on_the_cpu_backend_too():
    check_every_cell(ConvDemoModel(), backend="cpu")


@pytest.mark.parametrize("W, F, S, P, K", [(7, 3, 1, 0, 1), (6, 2, 2, 0, 3), (5, 5, 1, 2, 2),
                                           (9, 3, 3, 0, 2), (4, 1, 1, 0, 4), (7, 3, 2, 2, 1)])
def test_every_cell_for_other_settings(W, F, S, P, K):
    model = ConvDemoModel()
    model.set(W=W, F=F, S=S, P=P, K=K)
    assert model.valid
    check_every_cell(model)


def test_randomize_draws_new_values_and_still_matches():
    model = ConvDemoModel()
    before = model.x.copy()
    model.randomize()
    assert not np.array_equal(before, model.x)
    check_every_cell(model)


def test_invalid_settings_and_recovery():
    model = ConvDemoModel()
    model.set(S=3)
    assert not model.valid and model.n_cells == 0 and model.out is None
    assert "2.333 is not an integer" in model.reason
    assert model.suggestions[0].S == 2
    model.set(F=9)
    assert not model.valid and "larger than the padded input" in model.reason
    model.set(K=0)
    assert not model.valid and "K must be an int >= 1" in model.reason
    model.set(F=3, S=2, K=2)
    assert model.valid and model.n_cells == 18
    check_every_cell(model)


def test_step_wraps_and_arithmetic_is_written_out():
    model = ConvDemoModel()
    model.step(17)
    assert model.cell == 17 and model.position == (1, 2, 2)
    model.step()
    assert model.cell == 0
    lines = model.arithmetic()
    assert len(lines) == 4 and lines[-1].startswith("out[0, 0, 0] = ")
    assert lines[-1].endswith(f"= {model.total:g}")


def test_image_mode_activation_map():
    model = ConvDemoModel()
    assert model.image.shape == (32, 32, 3) and model.image.dtype == np.uint8
    for name in ("edges (vertical)", "blur", "sharpen", "identity"):
        model.filter_name = name
        amap = model.activation_map()
        assert amap.shape == (32, 32)
        x = model.image.astype(float) / 255
        gray = x.sum(axis=2) / 3
        kernel = np.array(model.image_filter[0, 0]) * 3
        padded = np.pad(gray, 1)
        for i, j in itertools.product((0, 5, 31), (0, 17, 31)):
            assert amap[i, j] == pytest.approx((padded[i:i + 3, j:j + 3] * kernel).sum())
    model.filter_name = "identity"
    np.testing.assert_allclose(model.activation_map(), model.image.astype(float).sum(axis=2) / 765)


def test_image_mode_without_the_data_uses_the_synthetic_stand_in(tmp_path, monkeypatch):
    from convkit.widgets import conv_demo
    monkeypatch.setenv("CONVKIT_DATA", str(tmp_path))
    monkeypatch.setattr(conv_demo, "_IMAGES", {})
    images, names, synthetic = conv_demo.demo_images()
    assert synthetic and images.shape[1:] == (32, 32, 3) and "NOT CIFAR-10" in names[0]
    model = ConvDemoModel()
    assert "NOT CIFAR-10" in model.image_name and model.activation_map().shape == (32, 32)
