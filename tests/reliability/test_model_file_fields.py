"""Model files: every field of a crafted file is checked. The checksum is a plain SHA-256 that
anyone can recompute, so each file here carries a valid one and reaches validation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from pydantic import ValidationError
from safetensors.torch import save_file

from napari_sdap import load_model
from napari_sdap.errors import ModelFileError
from napari_sdap.infer.noise_model import NoiseCurve
from napari_sdap.model.files import _KEY, _SUM, _digest, read_model_file
from napari_sdap.model.normalize import Normalization

from .helpers import digest


def _craft(src: Path, dst: Path, meta=None, tensors=None, raw: str | None = None) -> Path:
    """Write `src` with edited metadata / tensors and a *valid* checksum (recomputed with the
    module's own `_digest`), so that the file passes the checksum and reaches validation."""
    weights, data = read_model_file(src)
    if meta is not None:
        data = meta(data) or data
    if tensors is not None:
        weights = tensors(weights) or weights
    text = raw if raw is not None else json.dumps(data, sort_keys=True)
    save_file(weights, str(dst), metadata={_KEY: text, _SUM: _digest(text, weights)})
    return dst


def _set(section, **values):
    return lambda m: m[section].update(values) if m.get(section) else m.update({section: values})


def _curve(**values):
    base = {"levels": [[[0.1, 0.5, 0.9]]], "variance": [[[0.01, 0.02, 0.03]]], "threshold": 1.5}
    return lambda m: m.update(noise_curve={**base, **values})


def _drop(name):
    return lambda t: {k: v for k, v in t.items() if k != name}


def _change(name, fn):
    return lambda t: t.update({name: fn(t[name])})


NAN, INF = math.nan, math.inf
CASES = {
    "nested-50000": ({"raw": "[" * 50_000 + "]" * 50_000}, r"unreadable metadata"),
    "nested-in-a-field": ({"meta": lambda m: m["config"]["network"].update(
        preset=json.loads("[" * 500 + "]" * 500))}, r"invalid settings \(network\.preset"),
    "json-list": ({"raw": "[]"}, r"metadata that is an array in JSON, not an object"),
    "json-string": ({"raw": '"model"'}, r"metadata that is a string in JSON"),
    "json-nan": ({"raw": "NaN"}, r"metadata that is a number in JSON"),
    "json-null": ({"raw": "null"}, r"metadata that is null in JSON"),
    "no-config": ({"meta": lambda m: {k: v for k, v in m.items() if k != "config"}},
                  r"no network settings"),
    "config-null": ({"meta": lambda m: m.update(config=None)}, r"invalid settings \(config: "),
    "unknown-field": ({"meta": lambda m: m.update(extra=1)}, r"unknown metadata field\(s\) extra"),
    "lr-nan": ({"meta": lambda m: m["config"]["training"].update(learning_rate=NAN)},
               r"invalid settings \(training\.learning_rate"),
    "norm-empty": ({"meta": _set("normalization", low=[], high=[])},
                   r"\(normalization\.low: List should have at least 1 item"),
    "norm-unequal": ({"meta": _set("normalization", low=[0.0, 1.0], high=[2.0])},
                     r"\(normalization: low and high need one value per channel group each "
                     r"\(got 2 and 1"),
    "norm-nan": ({"meta": _set("normalization", low=[NAN])},
                 r"\(normalization\.low\.0: Input should be a finite number"),
    "norm-inf": ({"meta": _set("normalization", high=[INF])}, r"normalization\.high\.0: .*finite"),
    "norm-inverted": ({"meta": _set("normalization", low=[5.0], high=[1.0])},
                      r"low\[0\] = 5 is above high\[0\] = 1"),
    "norm-overflow": ({"meta": _set("normalization", low=[-1e308], high=[1e308])},
                      r"high\[0\] - low\[0\] overflows"),
    "norm-text": ({"meta": _set("normalization", low="0")}, r"normalization\.low: .*valid list"),
    "norm-noise-negative": ({"meta": _set("normalization", noise=[-0.5])},
                            r"noise is a standard deviation, never negative \(got -0\.5\)"),
    "curve-empty": ({"meta": _curve(levels=[], variance=[])},
                    r"noise_curve\.levels: List should have at least 1 item"),
    "curve-no-knots": ({"meta": _curve(levels=[[[]]], variance=[[[]]])},
                       r"levels\[0\]\[0\] and variance\[0\]\[0\] need the same number of knots"),
    "curve-unequal": ({"meta": _curve(variance=[[[0.01]]])}, r"same number of knots.*got 3 and 1"),
    "curve-nan": ({"meta": _curve(variance=[[[0.01, NAN, 0.03]]])},
                  r"noise_curve\.variance\.0\.0\.1: Input should be a finite number"),
    "curve-inf": ({"meta": _curve(levels=[[[0.1, INF, 0.9]]])}, r"noise_curve\.levels.*finite"),
    "curve-negative": ({"meta": _curve(variance=[[[0.01, -0.5, 0.03]]])},
                       r"variance\[0\]\[0\] holds a negative noise variance \(-0\.5\)"),
    "curve-decreasing": ({"meta": _curve(levels=[[[0.1, 0.9, 0.5]]])},
                         r"levels\[0\]\[0\] must be increasing \(knot 2: 0\.5 after 0\.9\)"),
    "curve-ragged": ({"meta": _curve(levels=[[[0.1]], [[0.1], [0.2]]],
                                     variance=[[[0.1]], [[0.1], [0.2]]])},
                     r"group 1 needs 1 channel\(s\)"),
    "curve-groups": ({"meta": _curve(levels=[[[0.1]], [[0.1]]], variance=[[[0.1]], [[0.1]]])},
                     r"noise_curve\.levels: 2 channel group\(s\), the normalisation has 1"),
    "curve-channels": ({"meta": _curve(levels=[[[0.1], [0.1]]], variance=[[[0.1], [0.1]]])},
                       r"2 channel\(s\) per group, the network takes 1"),
    "curve-alone": ({"meta": lambda m: m.update(normalization=None)},
                    r"holds a noise curve but no normalisation"),
    "record-steps": ({"meta": _set("record", steps=-3)}, r"record\.steps: .*greater than or eq"),
    "record-seconds": ({"meta": _set("record", seconds=NAN)}, r"record\.seconds: .*finite"),
    "record-noise-field": ({"meta": _set("record", noise={"stride": 2, "rm": 1})},
                           r"record\.noise: .*unknown field\(s\) rm"),
    "record-noise-type": ({"meta": _set("record", noise={"correlation_x": "a", "correlation_y": [],
                                                         "stride": 2, "mode": "bsn"})},
                          r"record\.noise: .*correlation_x"),
    "tensor-missing": ({"tensors": _drop("head.weight")}, r"missing tensor\(s\) head\.weight"),
    "tensor-extra": ({"tensors": lambda t: t.update(spare=torch.zeros(2))},
                     r"unexpected tensor\(s\) spare"),
    "tensor-0d": ({"tensors": lambda t: t.update(spare=torch.tensor(1.0))}, r"spare"),
    "tensor-shape": ({"tensors": _change("head.bias", lambda v: torch.zeros(v.numel() + 1))},
                     r"tensor head\.bias has shape \[9\], the network needs \[8\]"),
    "tensor-dtype": ({"tensors": _change("head.bias", lambda v: v.half())},
                     r"tensor head\.bias is torch\.float16, the network needs torch\.float32"),
    "tensor-int": ({"tensors": _change("head.bias", lambda v: v.to(torch.int32))}, r"int32"),
    "tensor-nan": ({"tensors": _change("tail.6.weight", lambda v: v.fill_(NAN))},
                   r"tensor tail\.6\.weight holds NaN or infinite weights"),
    "tensor-inf": ({"tensors": _change("head.bias", lambda v: v.fill_(INF))}, r"NaN or infinite"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_crafted_files_are_refused_naming_the_field(model_file, tmp_path, case):
    """Each file has a valid checksum; each must be a ModelFileError, never another error."""
    how, said = CASES[case]
    bad = _craft(model_file, tmp_path / "crafted.safetensors", **how)
    before = digest(bad)
    with pytest.raises(ModelFileError, match=said):
        load_model(bad)
    assert digest(bad) == before


@pytest.mark.parametrize("make", [
    lambda: Normalization(low=[], high=[]), lambda: Normalization(low=[0.0, 1.0], high=[2.0]),
    lambda: Normalization(low=[NAN], high=[1.0]), lambda: Normalization(low=[2.0], high=[1.0]),
    lambda: NoiseCurve(levels=[], variance=[]),
    lambda: NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.1, -0.1]]]),
    lambda: NoiseCurve(levels=[[[0.0, 1.0]]], variance=[[[0.1, INF]]]),
], ids=["norm-empty", "norm-unequal", "norm-nan", "norm-inverted", "curve-empty",
        "curve-negative", "curve-inf"])
def test_the_same_checks_guard_models_built_in_memory(make):
    with pytest.raises(ValidationError):
        make()
