"""BackpropModel: every cell of dX and dW, written out, equals ops.conv_backward; max-pool routing."""
import numpy as np
import pytest

from convkit.widgets import BackpropModel


def walk(model, target):
    model.set_target(target)
    for cell in range(model.n_cells):
        model.cell = cell
        window, factors, value, ref = model.terms
        assert value == pytest.approx(float((window * factors).sum()))
        if target == "dx":
            c, r, q = model.position
            assert value == pytest.approx(model.dx_full[0, c, r, q])
            inside = model.P <= r < model.P + model.W and model.P <= q < model.P + model.W
            assert (ref is not None) == inside
            if inside:
                assert value == pytest.approx(ref)
        else:
            assert value == pytest.approx(ref)
        assert model.arithmetic().endswith(f"{ref:g}" if ref is not None else "cropped away")


@pytest.mark.parametrize("settings", [{}, dict(S=1, P=0, W=4), dict(W=7, F=3, S=2, P=0, C=2, K=3),
                                      dict(W=6, F=2, S=2, P=1, C=3, K=2), dict(W=5, F=5, S=1, P=2)])
def test_every_cell_matches_conv_backward(settings):
    model = BackpropModel(**settings)
    assert model.valid
    np.testing.assert_allclose(model.dx, model.dx_ref, atol=1e-12)
    np.testing.assert_allclose(model.dw, model.dw_ref, atol=1e-12)
    np.testing.assert_allclose(model.db, model.db_ref, atol=1e-12)
    P = model.P
    np.testing.assert_allclose(model.dx_full[:, :, P:P + model.W, P:P + model.W], model.dx_ref)
    walk(model, "dx")
    walk(model, "dw")


def test_default_is_stride_2_with_padding():
    model = BackpropModel()
    assert (model.W, model.F, model.S, model.P) == (5, 3, 2, 1) and model.output_size == 3
    assert model.dout_dilated.shape == (1, 1, 5, 5) and model.dout_full.shape == (1, 1, 9, 9)
    assert model.n_cells == 49                     # the 7x7 padded input
    model.set_target("dw")
    assert model.n_cells == 9


def test_max_pool_routing():
    model = BackpropModel()
    np.testing.assert_array_equal(model.pool_dx, model.pool_dx_ref)
    for (i, j), (r, c) in zip([(0, 0), (0, 1), (1, 0), (1, 1)], model.pool_winners.reshape(-1, 2)):
        assert model.pool_x[0, 0, r, c] == model.pool_x[0, 0, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max()
        assert model.pool_dx[0, 0, r, c] == model.pool_dout[0, 0, i, j]
    assert np.count_nonzero(model.pool_dx) <= 4


def test_invalid_and_recovery():
    model = BackpropModel()
    model.set(S=3)
    assert not model.valid and "2.333" in model.reason and model.n_cells == 0
    model.set(S=2)
    assert model.valid and model.n_cells == 49
    from convkit.errors import ShapeError
    with pytest.raises(ShapeError, match="target"):
        model.set_target("db")
