"""Checkpoints: atomic saves, one rule for paths, atomic and checked trainer loads."""
import errno
import json
import warnings

import numpy as np
import pytest

from convkit import checkpoint
from convkit.backends import use_backend
from convkit.data import prepare, synthetic_cifar
from convkit.errors import CheckpointError
from convkit.net import Net
from convkit.optim import Adam
from convkit.trainer import Trainer

PATTERN = "INPUT -> CONV(K=4, F=4, S=4, P=0) -> RELU -> FC"


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


def shapes_data(n_train, num_val=10):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare(synthetic_cifar(n_train=n_train, n_test=10, seed=1), num_val=num_val)


@pytest.fixture(scope="module")
def data():
    return shapes_data(70)


def trainer(data, seed=0):
    return Trainer(Net.from_pattern(PATTERN, seed=seed), data, optimizer=Adam(lr=1e-3),
                   batch_size=20, seed=seed, train_samples=10)


def parameters(t):
    return {name: np.array(w) for name, w in t.net.params.items()}


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"),
                                     KeyboardInterrupt()])
def test_a_failed_save_leaves_the_previous_checkpoint_whole(tmp_path, data, monkeypatch, failure):
    good = trainer(data)
    good.run(steps=2, progress=False)
    good.save(tmp_path / "run.npz")
    before = (tmp_path / "run.npz").read_bytes()
    good.run(steps=1, progress=False)
    savez = np.savez

    def half_written(file, **arrays):
        file.write(b"PK\x03\x04 a partial zip")
        raise failure
    monkeypatch.setattr(np, "savez", half_written)
    expected = CheckpointError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as caught:
        good.save(tmp_path / "run.npz")
    if expected is CheckpointError:
        assert "No space left on device" in str(caught.value)
        assert "the previous file is unchanged" in str(caught.value)
    monkeypatch.setattr(np, "savez", savez)
    assert (tmp_path / "run.npz").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]
    assert trainer(data, seed=3).load(tmp_path / "run.npz").step_count == 2


def test_save_and_load_treat_a_path_the_same_way(tmp_path, data):
    t = trainer(data)
    t.step()
    t.save(tmp_path / "run1")
    assert [p.name for p in tmp_path.iterdir()] == ["run1.npz"]
    assert trainer(data, seed=2).load(tmp_path / "run1").step_count == 1
    assert trainer(data, seed=2).load(str(tmp_path / "run1.npz")).step_count == 1
    t.net.save(tmp_path / "net")
    np.testing.assert_array_equal(Net.from_pattern(PATTERN, seed=5).load(tmp_path / "net")
                                  .params["fc1.w"], t.net.params["fc1.w"])


def test_a_folder_is_refused_as_a_checkpoint_path(tmp_path, data):
    folder = tmp_path / "runs"
    folder.mkdir()
    t = trainer(data)
    for save in (t.save, t.net.save):
        with pytest.raises(CheckpointError, match=r"runs is a folder: give a file name in it, "
                                                  r"such as .*runs/run1.npz"):
            save(folder)
    with pytest.raises(CheckpointError, match="is a folder"):
        t.load(folder)
    assert [p.name for p in tmp_path.iterdir()] == ["runs"] and not any(folder.iterdir())


def rewrite(path, change):
    """Save again the arrays of the checkpoint at path after change(arrays)."""
    with np.load(path) as f:
        arrays = {name: f[name] for name in f.files}
    change(arrays)
    np.savez(path, **arrays)


def drop(*names):
    return lambda arrays: [arrays.pop(name) for name in names]


def edit_state(edit):
    def change(arrays):
        state = json.loads(str(arrays["trainer.state"]))
        edit(state)
        arrays["trainer.state"] = np.array(json.dumps(state))
    return change


@pytest.mark.parametrize("change, words", [
    (drop("trainer.order"), "incomplete or corrupt trainer checkpoint: it lacks trainer.order"),
    (drop("trainer.train_subset"), "it lacks trainer.train_subset"),
    (edit_state(lambda s: s.pop("rng")), "it lacks trainer.state['rng']"),
    (edit_state(lambda s: s.update(rng={"bit_generator": "PCG64", "state": "junk"})),
     "its trainer.state is corrupt"),
    (edit_state(lambda s: s["history"].pop("loss")), "its trainer.state is corrupt"),
    (lambda a: a.update({"trainer.state": np.array("{not json")}), "trainer.state is corrupt"),
    (drop("optim.fc1.w.m"), "the optimizer's state lacks optim.fc1.w.m"),
])
def test_a_broken_trainer_checkpoint_changes_nothing(tmp_path, data, change, words):
    saved = trainer(data)
    saved.run(steps=2, progress=False)
    saved.save(tmp_path / "run.npz")
    rewrite(tmp_path / "run.npz", change)
    t = trainer(data, seed=4)
    t.step()
    before = (parameters(t), t.step_count, t.optimizer.t, t.rng.bit_generator.state,
              list(t.history.loss))
    with pytest.raises(CheckpointError) as caught:
        t.load(tmp_path / "run.npz")
    assert words in str(caught.value)
    after = (parameters(t), t.step_count, t.optimizer.t, t.rng.bit_generator.state,
             list(t.history.loss))
    for name in before[0]:
        np.testing.assert_array_equal(after[0][name], before[0][name])
    assert after[1:] == before[1:]


def test_a_checkpoint_of_other_data_is_refused_at_load(tmp_path, data):
    saved = trainer(data)
    saved.run(steps=2, progress=False)
    saved.save(tmp_path / "run.npz")
    other = trainer(shapes_data(50))
    with pytest.raises(CheckpointError, match=r"saved training on 60 images, but this trainer's "
                                              r"data has 40: load it into a trainer with the "
                                              r"same data"):
        other.load(tmp_path / "run.npz")
    assert other.step_count == 0
    other.run(steps=3, progress=False)


def test_write_is_atomic_and_adds_npz(tmp_path):
    path = checkpoint.write(tmp_path / "a", {"x": np.arange(3)})
    assert path == tmp_path / "a.npz" and checkpoint.read(tmp_path / "a")["x"].tolist() == [0, 1, 2]
