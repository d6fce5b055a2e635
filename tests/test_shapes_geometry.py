"""Geometry for the widgets: suggestions as data, windows, unused inputs, receptive-field traces."""
import random
import resource
import subprocess
import sys

import pytest

from convkit.errors import ShapeError


def run_limited(code, seconds=60, memory=2 * 1024 ** 3):
    """Run code in a fresh Python with a memory cap; a hang or a memory blow-up fails."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=seconds, preexec_fn=limit)


@pytest.mark.parametrize("call", ["conv_output_size(W=5, F=3, S=10**9)",
                                  "pool_output_size(5, 2, 10**7)",
                                  "conv_output_size(W=10**12 + 1, F=2, S=10**9 + 7, P=10**6)",
                                  "pool_output_size(10**15, 3, 10**12 + 3)"])
def test_shape_error_comes_back_at_once_for_huge_numbers(call):
    code = ("from convkit.shapes import *\nfrom convkit.errors import ShapeError\n"
            f"try:\n    {call}\nexcept ShapeError as e:\n    print('SHAPE-ERROR', e)\n")
    done = run_limited(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("SHAPE-ERROR") and "is not an integer" in done.stdout


def message(call, *args, **kwargs):
    with pytest.raises(ShapeError) as err:
        call(*args, **kwargs)
    return str(err.value)


def test_messages_show_the_fraction_not_a_rounded_integer():
    from convkit.shapes import conv_output_size, pool_output_size
    assert "(5 - 3 + 2*0)/1000000 + 1 = 1.000002 is not an integer" in message(
        conv_output_size, W=5, F=3, S=10 ** 6)
    assert "(5 - 2)/10000000 + 1 = 1.0000003 is not an integer" in message(
        pool_output_size, 5, 2, 10 ** 7)
    # no exponent notation for big numbers: 500000.5, not 5e+05
    assert "(1000001 - 2 + 2*0)/2 + 1 = 500000.5 is not an integer" in message(
        conv_output_size, 10 ** 6 + 1, 2, 2)
    # the notes' numbers are unchanged
    assert "(5 - 3 + 2*1)/3 + 1 = 2.333 is not an integer" in message(conv_output_size, 5, 3, 3, 1)
    assert "(10 - 3 + 2*0)/2 + 1 = 4.5 is not an integer" in message(conv_output_size, 10, 3, 2, 0)


def test_shown_number_is_never_an_integer_when_invalid():
    from convkit.shapes import conv_output_size
    rng = random.Random(0)
    for _ in range(300):
        W, F, S = rng.randint(1, 10 ** 9), rng.randint(1, 9), rng.randint(2, 10 ** 5)
        if W < F or (W - F) % S == 0:
            continue
        text = message(conv_output_size, W, F, S)
        shown = text.split(" = ")[1].split(" ")[0]
        assert "." in shown and "e" not in shown and float(shown) != int(float(shown))


def test_suggestions_are_data_and_fit():
    from convkit.shapes import (ConvSuggestion, PoolSuggestion, conv_output_size, conv_suggestions,
                                pool_output_size, pool_suggestions)
    found = conv_suggestions(5, 3, S=3, P=1)
    assert found[0] == ConvSuggestion(S=2, P=1, output=3)   # the notes' S=2
    assert ConvSuggestion(S=4, P=1, output=2) in found
    assert all(isinstance(s, ConvSuggestion) for s in found)
    assert pool_suggestions(5, 2, 2)[0] == PoolSuggestion(F=2, S=1, output=4)
    n = 0
    for W in range(1, 20):
        for F in range(1, 6):
            for S in range(1, 6):
                for P in range(3):
                    for D in (1, 2):
                        for s in conv_suggestions(W, F, S, P, D):
                            assert (s.S, s.P) != (S, P)
                            assert conv_output_size(W, F, s.S, s.P, D) == s.output
                            n += 1
                if F <= W:
                    for s in pool_suggestions(W, F, S):
                        assert pool_output_size(W, s.F, s.S) == s.output
                        n += 1
    assert n > 1000


def test_suggestions_of_huge_numbers_fit():
    from convkit.shapes import conv_output_size, conv_suggestions, pool_output_size, pool_suggestions
    for s in conv_suggestions(10 ** 12 + 1, 2, 10 ** 9 + 7, 10 ** 6):
        assert conv_output_size(10 ** 12 + 1, 2, s.S, s.P) == s.output
    for s in pool_suggestions(10 ** 15, 3, 10 ** 12 + 3):
        assert pool_output_size(10 ** 15, s.F, s.S) == s.output


def torch_floor(W, F, S, P, D):
    """PyTorch's Conv1d output length."""
    return (W + 2 * P - D * (F - 1) - 1) // S + 1


def test_windows_of_the_notes_examples():
    from convkit.shapes import conv_windows, pool_windows, unused_positions
    assert conv_windows(5, 3, 1, 1) == [(0, 3), (1, 4), (2, 5), (3, 6), (4, 7)]
    assert conv_windows(5, 3, 2, 1) == [(0, 3), (2, 5), (4, 7)]
    with pytest.raises(ShapeError):
        conv_windows(5, 3, 3, 1)
    assert conv_windows(5, 3, 3, 1, mode="floor") == [(0, 3), (3, 6)]
    assert list(unused_positions(5, 3, 3, 1)) == [6]          # the right padding
    assert conv_windows(10, 3, 2, 0, mode="floor") == [(0, 3), (2, 5), (4, 7), (6, 9)]
    assert list(unused_positions(10, 3, 2, 0)) == [9]
    assert pool_windows(4, 2, 2) == [(0, 2), (2, 4)]
    assert pool_windows(7, 3, 2) == [(0, 3), (2, 5), (4, 7)]


def test_floor_windows_match_pytorch_and_leave_only_the_unused_unread():
    from convkit.shapes import conv_windows, unused_positions
    for W in range(1, 14):
        for F in range(1, 5):
            for S in range(1, 5):
                for P in range(3):
                    for D in (1, 2, 3):
                        if D * (F - 1) + 1 > W + 2 * P:
                            continue
                        windows = conv_windows(W, F, S, P, D, mode="floor")
                        assert len(windows) == torch_floor(W, F, S, P, D)
                        unused = set(unused_positions(W, F, S, P, D))
                        last_read = windows[-1][1] - 1
                        assert unused == set(range(last_read + 1, W + 2 * P))
                        if D == 1 and S <= F:
                            read = {p for a, b in windows for p in range(a, b)}
                            assert read | unused == set(range(W + 2 * P)) and not read & unused


def test_receptive_trace_of_the_notes():
    from convkit.shapes import receptive_field, receptive_trace
    trace = receptive_trace([(3, 1, 1)] * 3)
    assert [t.size for t in trace] == [3, 5, 7]
    assert trace[-1].region(0) == (-3, 3)
    assert receptive_field([(3, 1)] * 3) == 7
    assert receptive_trace([(7, 1, 3)])[-1].size == 7
    alexnet = receptive_trace([(11, 4, 0), (3, 2, 0)])
    assert [(t.size, t.jump, t.start) for t in alexnet] == [(11, 4, 0), (19, 8, 0)]
    dilated = receptive_trace([(3, 1, 2, 2)])
    assert dilated[0].size == 5 and dilated[0].start == -2


def influence(layers, W, i):
    """The input positions output neuron i depends on, by walking the windows back (brute force)."""
    sizes = [W]
    for F, S, P, D in layers:
        sizes.append((sizes[-1] + 2 * P - D * (F - 1) - 1) // S + 1)
    if i >= sizes[-1]:
        return None
    positions = {i}
    for F, S, P, D in reversed(layers):
        positions = {j * S - P + D * k for j in positions for k in range(F)}
    return positions


def test_receptive_trace_matches_brute_force():
    from convkit.shapes import receptive_field, receptive_trace
    rng = random.Random(1)
    for _ in range(200):
        layers = [(rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 2))
                  for _ in range(rng.randint(1, 4))]
        trace = receptive_trace(layers)
        for i in range(3):
            seen = influence(layers, 200, i)
            if seen is None:
                continue
            first, last = trace[-1].region(i)
            assert (min(seen), max(seen)) == (first, last)
            if all(D == 1 for *_, D in layers):
                assert trace[-1].size == receptive_field([(F, S) for F, S, _, _ in layers])


def test_receptive_trace_reads_a_net():
    import convkit
    from convkit.shapes import receptive_trace
    net = convkit.Net.from_pattern("INPUT -> [CONV -> RELU -> POOL]*2 -> FC")
    trace = receptive_trace(net)
    assert len(trace) == 6                         # stops at the FC layer
    assert [t.size for t in trace] == [3, 3, 4, 8, 8, 10]
    assert [t.jump for t in trace] == [1, 1, 2, 2, 2, 4]
    assert trace[0].name.startswith("0: CONV") and trace[2].name.startswith("2: POOL")
    assert receptive_trace(net.layers) == trace


def test_receptive_trace_refuses_bad_layers():
    from convkit.shapes import receptive_trace
    with pytest.raises(ShapeError, match="layer 1"):
        receptive_trace([(3, 1), (3,)])
    with pytest.raises(ShapeError, match="S of layer 0"):
        receptive_trace([(3, 0)])
