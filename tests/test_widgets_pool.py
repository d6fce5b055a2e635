"""PoolModel: the notes' 75%, overlapping pooling, winners, strict and floor, against the ops."""
import numpy as np
import pytest

from convkit import ops, use_backend
from convkit.widgets import PoolModel


def test_2x2_stride_2_discards_75_percent():
    model = PoolModel(W=4, F=2, S=2)
    assert model.output_size == 2 and model.discarded == 0.75
    model.set(W=16)
    assert model.output_size == 8 and model.discarded == 0.75
    assert model.formula == "(16 - 2)/2 + 1 = 8"


def test_overlapping_pooling_f3_s2():
    model = PoolModel(W=7, F=3, S=2)
    assert model.valid and model.output_size == 3
    assert model.window(1, 2) == (2, 4, 3, 3)          # windows overlap by one row and column
    assert model.discarded == pytest.approx(1 - 9 / 49)


@pytest.mark.parametrize("kind, op", [("max", ops.max_pool_forward), ("avg", ops.avg_pool_forward),
                                      ("L2", ops.l2_pool_forward)])
def test_outputs_and_arithmetic_match_the_ops(kind, op):
    model = PoolModel(W=8, F=3, S=1, kind=kind, seed=3)
    with use_backend("cpu"):
        expected, _ = op(model.x[None, None].copy(), 3, 1)
    np.testing.assert_allclose(model.out, ops.to_numpy(expected)[0, 0], rtol=1e-12)
    reduce = {"max": np.max, "avg": np.mean, "L2": lambda v: np.sqrt((v ** 2).sum())}[kind]
    for i in range(6):
        for j in range(6):
            assert model.out[i, j] == pytest.approx(reduce(model.window_values(i, j)))


def test_arithmetic_writes_out_each_kind():
    model = PoolModel(W=4, F=2, S=2, seed=0)                # first window 8, 6, 3, 0
    assert model.arithmetic() == "out[0, 0] = max(8, 6, 3, 0) = 8"
    model.set(kind="avg")
    assert model.arithmetic() == "out[0, 0] = mean(8, 6, 3, 0) = 4.25"
    model.set(kind="L2")
    assert model.arithmetic() == "out[0, 0] = sqrt(sum of the squares of 8, 6, 3, 0) = 10.44"


def test_winners_are_where_max_pool_backward_routes_the_gradient():
    model = PoolModel(W=8, F=2, S=2, seed=1)               # integer values: ties happen
    x = model.x[None, None].copy()
    with use_backend("numpy"):
        _, cache = ops.max_pool_forward(x, 2, 2)
        dx = ops.max_pool_backward(np.ones((1, 1, 4, 4)), cache)[0, 0]
    assert sorted(zip(*np.nonzero(dx))) == sorted(model.winners)
    for (r, c), (i, j) in zip(model.winners, [(i, j) for i in range(4) for j in range(4)]):
        assert model.x[r, c] == model.out[i, j]


def test_strict_invalid_floor_valid_and_recovery():
    model = PoolModel(W=5, F=2, S=2)
    assert not model.valid and "2.5 is not an integer" in model.reason
    assert model.suggestions and all(s.output for s in model.suggestions)
    model.set(mode="floor")
    assert model.valid and model.output_size == 2 and model.unused == 1
    assert model.unused_positions == [4] and model.discarded == pytest.approx(1 - 4 / 25)
    with use_backend("numpy"):
        expected, _ = ops.max_pool_forward(model.x[None, None, :4, :4].copy(), 2, 2)
    np.testing.assert_array_equal(model.out, expected[0, 0])
    model.set(mode="strict", W=6)
    assert model.valid and model.output_size == 3 and model.reason == ""
    model.set(F=7)
    assert not model.valid and "larger than the input" in model.reason
    model.set(F=2)
    assert model.valid


def test_image_source():
    model = PoolModel(source="image")
    assert model.W == 32 and model.x.shape == (32, 32) and 0 <= model.x.min() <= model.x.max() <= 1
    assert model.output_size == 16 and model.discarded == 0.75
    assert model.image_name


def test_bad_kind_is_refused():
    from convkit.errors import ShapeError
    with pytest.raises(ShapeError, match="kind must be one of"):
        PoolModel(kind="min")
