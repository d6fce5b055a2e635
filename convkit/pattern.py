"""Pattern strings of the notes, e.g. "INPUT -> [CONV -> RELU -> POOL]*2 -> FC -> RELU -> FC".

Grammar:
    pattern := INPUT ( -> item )*
    item    := LAYER | LAYER(arguments) | [ item -> item ... ] | [ ... ]*N
Layer tokens and their arguments (positional in this order, or by name):
    CONV(K, F, S, P, dilation, mode)    LC or LOCAL(K, F, S, P, mode)
    POOL or MAXPOOL(F, S, mode)         AVGPOOL(F, S, mode)     L2POOL(F, S, mode)
    RELU    FLATTEN    FC(K)    BN or BATCHNORM(momentum, eps)    DROPOUT(p)
    WHITEN(F, eps): fixed filters fitted to the data (layers.whiten; not in the notes)
    SOFTMAX or SVM(delta), only as the last token (the loss; softmax by default)
Layer names are case-insensitive; mode is strict or floor; numbers may be
written 0.5 or .5. parse() checks the syntax only; Net.from_pattern fills in
the sizes and checks the shapes. A malformed pattern raises PatternError,
which points at the spot with a caret.

Limits, so that any string is answered at once: at most MAX_LAYERS layers
once the brackets are expanded, brackets nested at most MAX_DEPTH deep, and
sizes and repeat counts of at most MAX_NUMBER.
"""
import math
import re
from dataclasses import dataclass, field

from .errors import PatternError, caret

__all__ = ["PatternError", "LayerSpec", "parse", "caret", "MAX_LAYERS", "MAX_DEPTH", "MAX_NUMBER"]

MAX_LAYERS = 1000
MAX_DEPTH = 32
MAX_NUMBER = 65536

_INT, _PAD, _MODE = "an int >= 1", "an int >= 0", "strict or floor"
_KEEP, _UNIT, _POSITIVE, _MARGIN = "in (0, 1]", "in [0, 1]", "a number > 0", "a number >= 0"
ARGUMENTS = {
    "CONV": {"K": _INT, "F": _INT, "S": _INT, "P": _PAD, "dilation": _INT, "mode": _MODE},
    "LC": {"K": _INT, "F": _INT, "S": _INT, "P": _PAD, "mode": _MODE},
    "POOL": {"F": _INT, "S": _INT, "mode": _MODE},
    "AVGPOOL": {"F": _INT, "S": _INT, "mode": _MODE},
    "L2POOL": {"F": _INT, "S": _INT, "mode": _MODE},
    "RELU": {},
    "FLATTEN": {},
    "FC": {"K": _INT},
    "BN": {"momentum": _UNIT, "eps": _POSITIVE},
    "DROPOUT": {"p": _KEEP},
    "WHITEN": {"F": _INT, "eps": _POSITIVE},
    "SOFTMAX": {},
    "SVM": {"delta": _MARGIN},
}
_FITS = {_INT: lambda v: v >= 1, _PAD: lambda v: v >= 0, _KEEP: lambda v: 0 < v <= 1,
         _UNIT: lambda v: 0 <= v <= 1, _POSITIVE: lambda v: v > 0, _MARGIN: lambda v: v >= 0}
ALIASES = {"LOCAL": "LC", "MAXPOOL": "POOL", "BATCHNORM": "BN"}
LOSSES = ("SOFTMAX", "SVM")
_TOKEN = re.compile(r"""\s*(?:
    (?P<arrow>->)
    | (?P<name>[A-Za-z_]\w*)
    | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<punct>[\[\]*(),=]))""", re.VERBOSE)


@dataclass
class LayerSpec:
    """One layer of a parsed pattern: its kind ("CONV"), the arguments written, and
    position, the index of its token in the pattern string."""

    kind: str
    args: dict = field(default_factory=dict)
    position: int = 0


@dataclass
class _Token:
    type: str
    text: str
    position: int


def _tokens(pattern):
    """The tokens of a pattern, then an "end" token just after its last character."""
    tokens, i, end = [], 0, len(pattern.rstrip())
    while i < end:
        match = _TOKEN.match(pattern, i)
        if not match:
            j = end - len(pattern[i:end].lstrip())
            hint = "; sizes are whole numbers >= 0 (K, F, S >= 1)" if pattern[j] == "-" else ""
            raise PatternError(f"unexpected character {pattern[j]!r}{hint}", pattern, j)
        tokens.append(_Token(match.lastgroup, match.group(match.lastgroup),
                             match.start(match.lastgroup)))
        i = match.end()
    tokens.append(_Token("end", "", end))
    return tokens


def _value(token, expected):
    """The value of an argument token, or None if it is not what is expected."""
    text = token.text.strip("'\"")
    if expected == _MODE:
        return text if text in ("strict", "floor") and token.type in ("name", "string") else None
    if token.type != "number":
        return None
    if expected in (_INT, _PAD):
        value = _whole(text)
    else:
        value = float(text)
        value = value if math.isfinite(value) else None
    return value if value is not None and _FITS[expected](value) else None


def _shown(text):
    """text, cut to 20 characters for a message."""
    return text if len(text) <= 20 else text[:17] + "..."


def _whole(text):
    """The int a number token writes, if it is a whole number <= MAX_NUMBER; else None."""
    if not re.fullmatch(r"\d+", text) or len(text.lstrip("0")) > len(str(MAX_NUMBER)):
        return None
    value = int(text)
    return value if value <= MAX_NUMBER else None


class _Parser:
    """Recursive descent: one method per rule of the grammar, reading self.tokens."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.tokens = _tokens(pattern)
        self.i = 0
        self.depth = 0

    def error(self, message, token):
        raise PatternError(message, self.pattern, token.position)

    @property
    def token(self):
        return self.tokens[self.i]

    def take(self, text):
        """Consume the current token if it is text; return it, or None."""
        token = self.token
        if token.text == text and token.type != "string":
            self.i += 1
            return token
        return None

    def pattern_specs(self):
        first = self.token
        if first.type != "name" or first.text.upper() != "INPUT":
            self.error("a pattern starts with INPUT, as in 'INPUT -> CONV -> RELU -> FC'", first)
        self.i += 1
        specs = []
        while self.take("->"):
            start = self.token
            specs += self.item()
            if len(specs) > MAX_LAYERS:
                self.error(f"the pattern has more than {MAX_LAYERS} layers, the limit", start)
        self.expect_end()
        return specs

    def expect_end(self):
        token = self.token
        if token.type == "end":
            return
        if token.text == "]":
            self.error("']' without a matching '['", token)
        if token.text == "*":
            self.error("'*' repeats a group in brackets: write [CONV -> RELU]*2", token)
        self.error(f"expected '->' before {token.text!r}", token)

    def item(self):
        token = self.token
        if self.take("["):
            if self.token.text == "]" and self.token.type != "string":
                self.error("empty brackets: a group holds at least one layer, as in "
                           "[CONV -> RELU]*2", token)
            if self.depth == MAX_DEPTH:
                self.error(f"brackets nested more than {MAX_DEPTH} deep", token)
            self.depth += 1
            specs = self.group(token)
            self.depth -= 1
            return specs
        if token.type == "end" or token.text in ("->", "]"):
            self.error("expected a layer after '->'", token)
        if token.type != "name":
            self.error(f"expected a layer name, got {token.text!r}", token)
        self.i += 1
        return [self.layer(token)]

    def group(self, opening):
        specs = self.item()
        while self.take("->"):
            specs += self.item()
        if not self.take("]"):
            if self.token.type == "end":
                self.error("this '[' is never closed: add ']'", opening)
            self.error(f"expected '->' or ']' before {self.token.text!r}", self.token)
        if not self.take("*"):
            return specs
        count = self.token
        whole = count.type == "number" and re.fullmatch(r"\d+", count.text)
        if not whole or not count.text.strip("0"):
            self.error(f"the repeat count after '*' must be a positive int, got "
                       f"{_shown(count.text) or 'nothing'!r}", count)
        times = _whole(count.text)
        if times is None or times * len(specs) > MAX_LAYERS:
            self.error(f"{_shown(count.text)} repeats of {len(specs)} layer"
                       f"{'s' if len(specs) > 1 else ''} make more than {MAX_LAYERS} layers, "
                       f"the limit of a pattern", count)
        self.i += 1
        return [LayerSpec(s.kind, dict(s.args), s.position) for _ in range(times) for s in specs]

    def layer(self, token):
        name = token.text.upper()
        kind = ALIASES.get(name, name)
        if kind not in ARGUMENTS:
            if kind == "INPUT":
                self.error("INPUT may only come first", token)
            known = ", ".join(ARGUMENTS) + ", LOCAL, MAXPOOL, BATCHNORM"
            self.error(f"unknown layer {token.text!r}; the layers are {known}", token)
        spec = LayerSpec(kind, {}, token.position)
        if self.take("("):
            self.arguments(spec)
        return spec

    def arguments(self, spec):
        allowed = ARGUMENTS[spec.kind]
        if not allowed:
            self.error(f"{spec.kind} takes no arguments", self.tokens[self.i - 1])
        names = list(allowed)
        positional = 0
        while True:
            start = self.token
            if start.text == ")" and start.type == "punct" and (positional or spec.args):
                self.error(f"a ',' must be followed by an argument of {spec.kind}: remove "
                           f"the ',' before ')'", self.tokens[self.i - 1])
            if start.type == "name" and self.tokens[self.i + 1].text == "=":
                name = start.text
                if name not in allowed:
                    self.error(f"{spec.kind} has no argument {name!r}; it takes "
                               f"{', '.join(names)}", start)
                self.i += 2
            else:
                if positional >= len(names):
                    self.error(f"{spec.kind} takes at most {len(names)} arguments "
                               f"({', '.join(names)})", start)
                name = names[positional]
                positional += 1
            if name in spec.args:
                self.error(f"{spec.kind} got {name} twice", start)
            value_token = self.token
            value = _value(value_token, allowed[name])
            if value is None:
                limit = (f" (sizes in a pattern go up to {MAX_NUMBER})"
                         if allowed[name] in (_INT, _PAD) else "")
                self.error(f"{spec.kind} argument {name} must be {allowed[name]}{limit}, got "
                           f"{_shown(value_token.text) or 'nothing'!r}", value_token)
            self.i += 1
            spec.args[name] = value
            if self.take(")"):
                return
            if not self.take(","):
                self.error(f"expected ',' or ')' in the arguments of {spec.kind}", self.token)


def parse(pattern):
    """The layers of a pattern string, brackets expanded, as a list of LayerSpec.

    INPUT is not in the list; a trailing SOFTMAX or SVM is (the loss).
    Raises PatternError with a caret under the problem.
    """
    if not isinstance(pattern, str):
        raise TypeError(f"a pattern is a string, got {type(pattern).__name__}")
    specs = _Parser(pattern).pattern_specs()
    for spec in specs[:-1]:
        if spec.kind in LOSSES:
            raise PatternError(f"{spec.kind} is a loss: it may only be the last token",
                               pattern, spec.position)
    return specs
