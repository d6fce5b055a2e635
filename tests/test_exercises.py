"""convkit.exercises: each checker accepts the kit's answer, rejects plausible mistakes
naming the case that fails, and survives functions that raise or return nonsense."""
import math

import numpy as np
import pytest

import convkit
from convkit import exercises, ops
from convkit.exercises import check


def kit_output_size(W, F, S, P):
    return convkit.conv_output_size(W, F, S=S, P=P)


def kit_conv_forward(x, w, b, stride, pad):
    return ops.conv_forward(x, w, b, stride, pad)[0]


def kit_max_pool_forward(x, F, S):
    return ops.max_pool_forward(x, F, S)[0]


def kit_max_pool_backward(dout, x, F, S):
    _, cache = ops.max_pool_forward(x, F, S)
    return ops.max_pool_backward(dout, cache)


def kit_conv_params(F, D_in, K, out_size=None):
    if out_size is None:
        return convkit.conv_params(F, D_in, K).total
    return convkit.conv_params(F, D_in, K, shared=False, out_size=out_size).total


def kit_memory(volumes, n_params, batch_size=1, bytes_per_value=4):
    activations = batch_size * sum(math.prod(v) for v in volumes)
    return convkit.memory_estimate(activations, n_params, bytes_per_value).total_bytes


def kit_conv_backward(dout, x, w, b, stride, pad):
    _, cache = ops.conv_forward(x, w, b, stride, pad)
    return ops.conv_backward(dout, cache)


KIT = {"output_size": kit_output_size, "conv_forward": kit_conv_forward,
       "max_pool_forward": kit_max_pool_forward, "max_pool_backward": kit_max_pool_backward,
       "conv_params": kit_conv_params, "memory": kit_memory, "conv_backward": kit_conv_backward}


def test_every_exercise_has_a_kit_function_here():
    assert set(KIT) == set(exercises.EXERCISES)


@pytest.mark.parametrize("name", sorted(KIT))
def test_the_kit_and_the_solution_pass(name):
    for fn in (KIT[name], exercises.solution(name)):
        report = check(name, fn)
        assert report.passed, str(report)
        assert str(report) == f"{name}: all {report.cases} cases pass."
        assert report.cases >= 5


@pytest.mark.parametrize("name", sorted(KIT))
def test_the_kit_passes_on_the_cpu_backend(name):
    with convkit.use_backend("cpu"):
        assert check(name, KIT[name]).passed


def test_check_finds_the_exercise_by_the_function_name():
    def output_size(W, F, S, P):
        return kit_output_size(W, F, S, P)
    assert check(output_size).passed
    assert check(exercises.solution("conv_params")).passed


def failure(name, fn):
    report = check(name, fn)
    assert not report.passed and not bool(report)
    text = str(report)
    assert text.startswith(f"{name}: case {report.failure.case} of {report.cases} fails: {name}(")
    assert "\n  expected: " in text and "\n  got:      " in text
    return report.failure


# output size

def test_output_size_floor_division_is_refused_at_the_first_invalid_case():
    f = failure("output_size", lambda W, F, S, P: (W - F + 2 * P) // S + 1)
    assert f.case == 3
    assert "W=5, F=3, S=3, P=1" in f.call
    assert f.expected.startswith("raises ValueError ((5 - 3 + 2*1)/3 + 1 = 2.333")
    assert f.got == "returned 2"


def test_output_size_off_by_one():
    f = failure("output_size", lambda W, F, S, P: solution_or_raise(W, F, S, P) - 1)
    assert f.case == 1 and "W=5, F=3, S=1, P=1" in f.call
    assert (f.expected, f.got) == ("5", "4")


def solution_or_raise(W, F, S, P):
    return exercises.solution("output_size")(W, F, S, P)


def test_output_size_forgot_padding():
    f = failure("output_size", lambda W, F, S, P: solution_or_raise(W, F, S, 0))
    assert f.case == 1 and (f.expected, f.got) == ("5", "3")


def test_output_size_float_answer_gets_a_hint():
    f = failure("output_size", lambda W, F, S, P: (W - F + 2 * P) / S + 1)
    assert f.case == 1
    assert f.got == "5.0 (float) (return an int: 5)"


def test_output_size_accepting_a_filter_larger_than_the_input():
    def no_negative_check(W, F, S, P):
        span = W - F + 2 * P
        if span % S:
            raise ValueError("does not fit")
        return span // S + 1
    f = failure("output_size", no_negative_check)
    assert "W=4, F=5, S=1, P=0" in f.call and "filter larger than the input" in f.call
    assert f.got == "returned 0"


def test_output_size_wrong_exception_type():
    def raises_assertion(W, F, S, P):
        assert (W - F + 2 * P) % S == 0, "does not fit"
        return (W - F + 2 * P) // S + 1
    f = failure("output_size", raises_assertion)
    assert f.case == 3
    assert f.got.startswith("raised AssertionError: does not fit")
    assert "(at: assert (W - F + 2 * P) % S == 0" in f.got


# conv forward

def test_conv_forward_forgot_the_bias():
    f = failure("conv_forward", lambda x, w, b, stride, pad: kit_conv_forward(x, w, 0 * b, stride, pad))
    assert f.case == 1 and "x=array(1, 1, 3, 3)" in f.call
    assert f.expected.startswith("out[0, 0, 0, 0] = ")
    assert "(1 of 1 values of out differ)" in f.got


def test_conv_forward_forgot_padding():
    f = failure("conv_forward", lambda x, w, b, stride, pad: kit_conv_forward(x, w, b, stride, 0))
    assert f.case == 2 and "stride=1, pad=1" in f.call
    assert (f.expected, f.got) == ("out of shape (2, 4, 5, 5)", "out of shape (2, 4, 3, 3)")


def test_conv_forward_ignored_the_stride():
    f = failure("conv_forward", lambda x, w, b, stride, pad: kit_conv_forward(x, w, b, 1, pad))
    assert f.case == 3 and "stride=2" in f.call


def test_conv_forward_square_filters_only():
    def square(x, w, b, stride, pad):
        F = w.shape[2]
        return kit_conv_forward(x, np.resize(w, w.shape[:2] + (F, F)), b, stride, pad)
    f = failure("conv_forward", square)
    assert "filter not square" in f.call


def test_conv_forward_returning_out_and_cache_is_a_wrong_shape_not_a_crash():
    f = failure("conv_forward", lambda x, w, b, stride, pad: ops.conv_forward(x, w, b, stride, pad))
    assert f.case == 1
    assert f.got == "tuple, not an array of numbers" or f.got.startswith("out of shape (2,")


# max pooling

def test_max_pool_forward_starting_the_max_at_zero():
    def from_zero(x, F, S):
        return np.maximum(kit_max_pool_forward(x, F, S), 0)
    f = failure("max_pool_forward", from_zero)
    assert float(f.expected.split(" = ")[1]) < 0
    assert f.got.split(" (")[0].endswith(" = 0")


def test_max_pool_forward_average_instead():
    f = failure("max_pool_forward", lambda x, F, S: ops.avg_pool_forward(x, F, S)[0])
    assert f.case == 1


def test_max_pool_backward_spreading_to_every_input():
    def spread(dout, x, F, S):
        _, cache = ops.avg_pool_forward(x, F, S)
        return ops.avg_pool_backward(dout, cache) * F * F
    f = failure("max_pool_backward", spread)
    assert f.case == 1 and "the notes' 2x2 pooling" in f.call


def test_max_pool_backward_overwriting_instead_of_adding():
    def overwrite(dout, x, F, S):
        N, C, Ho, Wo = dout.shape
        dx = np.zeros_like(x)
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    for j in range(Wo):
                        window = x[n, c, i * S:i * S + F, j * S:j * S + F]
                        a, b = np.unravel_index(np.argmax(window), window.shape)
                        dx[n, c, i * S + a, j * S + b] = dout[n, c, i, j]
        return dx
    f = failure("max_pool_backward", overwrite)
    assert "wins all four windows" in f.call
    assert f.expected.startswith("dx[0, 0, 2, 2] = ")


def test_max_pool_backward_ties_to_every_max():
    def every_max(dout, x, F, S):
        Ho, Wo = dout.shape[2:]
        dx = np.zeros_like(x)
        for i in range(Ho):
            for j in range(Wo):
                window = x[:, :, i * S:i * S + F, j * S:j * S + F]
                mask = window == window.max(axis=(2, 3), keepdims=True)
                dx[:, :, i * S:i * S + F, j * S:j * S + F] += mask * dout[:, :, i:i + 1, j:j + 1]
        return dx
    f = failure("max_pool_backward", every_max)
    assert "a tie" in f.call
    assert (f.expected, f.got.split(" (")[0]) == ("dx[0, 0, 1, 0] = 0", "dx[0, 0, 1, 0] = 2")


# parameter count

def test_conv_params_forgot_the_bias():
    f = failure("conv_params", lambda F, D_in, K, out_size=None: kit_conv_params(F, D_in, K, out_size)
                - K * (1 if out_size is None else out_size[0] * out_size[1]))
    assert f.case == 1 and "AlexNet conv1, shared" in f.call
    assert (f.expected, f.got) == ("34,944", "34,848")


def test_conv_params_ignored_the_output_positions():
    f = failure("conv_params", lambda F, D_in, K, out_size=None: kit_conv_params(F, D_in, K))
    assert f.case == 2 and "out_size=(55, 55)" in f.call
    assert (f.expected, f.got) == ("105,705,600", "34,944")


def test_conv_params_forgot_the_input_depth():
    f = failure("conv_params", lambda F, D_in, K, out_size=None: kit_conv_params(F, 1, K, out_size))
    assert f.case == 1 and (f.expected, f.got) == ("34,944", "11,712")


# memory

def test_memory_without_gradients():
    def inference(volumes, n_params, batch_size=1, bytes_per_value=4):
        return (batch_size * sum(math.prod(v) for v in volumes) + n_params) * bytes_per_value
    f = failure("memory", inference)
    assert f.case == 1 and "three 224x224x64 volumes" in f.call
    assert (f.expected, f.got) == (f"{2 * 3 * 224 * 224 * 64 * 4:,}", f"{3 * 224 * 224 * 64 * 4:,}")


def test_memory_batch_applied_to_the_parameters_too():
    def all_batched(volumes, n_params, batch_size=1, bytes_per_value=4):
        return batch_size * kit_memory(volumes, n_params, 1, bytes_per_value)
    f = failure("memory", all_batched)
    assert f.case == 3 and "batch of 64" in f.call


def test_memory_always_four_bytes():
    f = failure("memory", lambda volumes, n_params, batch_size=1, bytes_per_value=4:
                kit_memory(volumes, n_params, batch_size, 4))
    assert f.case == 4 and "float64" in f.call


# conv backward

def test_conv_backward_db_not_summed_over_the_batch():
    def db_first_image(dout, x, w, b, stride, pad):
        dx, dw, _ = kit_conv_backward(dout, x, w, b, stride, pad)
        return dx, dw, dout[0].sum(axis=(1, 2))
    f = failure("conv_backward", db_first_image)
    assert f.case == 2 and f.expected.startswith("db[")


def test_conv_backward_padding_left_in_dx():
    def padded_dx(dout, x, w, b, stride, pad):
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        dx, dw, db = kit_conv_backward(dout, xp, w, b, stride, 0)
        return dx, dw, db
    f = failure("conv_backward", padded_dx)
    assert f.case == 2
    assert (f.expected, f.got) == ("dx of shape (2, 3, 5, 5)", "dx of shape (2, 3, 7, 7)")


def test_conv_backward_returning_two_arrays():
    f = failure("conv_backward", lambda dout, x, w, b, stride, pad:
                kit_conv_backward(dout, x, w, b, stride, pad)[:2])
    assert f.case == 1 and f.expected == "a tuple (dx, dw, db)" and f.got.startswith("tuple:")


# functions that go wrong in other ways

NONSENSE = [
    lambda *args: None,
    lambda *args: "five",
    lambda *args: [[1, 2], [3]],
    lambda *args: np.zeros(3),
    lambda *args: (np.zeros(3),) * 3,
    lambda *args: 1 / 0,
    lambda *args: np.nan,
    lambda: 0,
]


@pytest.mark.parametrize("name", sorted(KIT))
@pytest.mark.parametrize("k", range(len(NONSENSE)))
def test_nonsense_fails_case_1_without_crashing(name, k):
    report = check(name, NONSENSE[k])
    assert not report.passed and report.failure.case == 1
    assert str(report).count("\n") == 2


def test_a_function_that_changes_its_inputs_does_not_change_the_next_cases():
    def clobber(x, w, b, stride, pad):
        out = kit_conv_forward(x, w, b, stride, pad)
        x[...] = 0
        w[...] = 0
        return out
    assert check("conv_forward", clobber).passed


def test_a_call_with_the_wrong_arguments_points_at_no_line_of_the_kit():
    f = failure("output_size", lambda W, F: W)
    assert f.got.startswith("raised TypeError: ")
    assert f.got.endswith("<lambda>() takes 2 positional arguments but 4 were given")


def test_unknown_exercise_and_non_function():
    with pytest.raises(KeyError, match="no exercise 'size'; the exercises are output_size"):
        check("size", kit_output_size)
    with pytest.raises(TypeError, match="check needs a function, got int"):
        check("output_size", 5)


def test_solutions_switch(monkeypatch):
    monkeypatch.delenv("CONVKIT_SOLUTIONS", raising=False)
    assert exercises.solutions_on()
    for value, on in [("0", False), ("off", False), ("1", True), (" True ", True)]:
        monkeypatch.setenv("CONVKIT_SOLUTIONS", value)
        assert exercises.solutions_on() is on
    monkeypatch.setenv("CONVKIT_SOLUTIONS", "maybe")
    with pytest.raises(ValueError, match="CONVKIT_SOLUTIONS must be 1"):
        exercises.solutions_on()


def test_show_solution_prints_the_code(capsys):
    exercises.show_solution("output_size")
    assert capsys.readouterr().out.startswith("def solution_output_size(W, F, S, P):")


def test_every_task_names_its_function():
    for name in exercises.EXERCISES:
        assert exercises.task(name).startswith(f"{name}(")


def test_the_module_imports_no_widgets_or_plots():
    import subprocess
    import sys
    code = ("import sys, convkit.exercises; "
            "print(any(m in sys.modules for m in ('ipywidgets', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_float32_arithmetic_passes_and_a_small_error_does_not():
    def in_float32(x, w, b, stride, pad):
        return kit_conv_forward(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32),
                                stride, pad)
    assert check("conv_forward", in_float32).passed
    f = failure("conv_forward", lambda x, w, b, stride, pad: kit_conv_forward(x, w, b, stride, pad) + 1e-3)
    assert f.case == 1
