"""The >>> examples in the docstrings a student reads first run and give what they show."""
import doctest
import importlib

import pytest

MODULES = ["convkit.shapes", "convkit.ops", "convkit.net", "convkit.trainer"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
