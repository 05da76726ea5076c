"""A training stopped before its end (Stop in napari, `break` or `close()` on `iter_train`,
Ctrl-C in a notebook) left the model without the blur or mix of its default output, which a
finished training measures last: on strong white noise its default output was 4.6 dB (96²,
`fast`) to 8.5 dB (a `tiny` sine pattern) below that of the same training finished. They are
measured on a stop too, in either stage, with the student kept or dropped."""

from __future__ import annotations

import logging

import numpy as np
import pytest

KW = {"preset": "tiny", "width": 8, "blocks": 1, "student": True, "stride": 1,
      "student_steps": 8}


def _stopped(image, stage, at):
    from napari_sdap import iter_train

    run = iter_train(image, "YX", steps=4, device="cpu", **KW)
    for rec in run:
        if rec.stage == stage and rec.step >= at:
            break
    run.close()
    return rec.model


@pytest.mark.parametrize(("stage", "at"), [("teacher", 2), ("student", 4 + 1),
                                           ("student", 4 + 6)])
def test_a_stopped_training_measures_its_output_mix(noisy_pair, stage, at):
    model = _stopped(noisy_pair[1], stage, at)
    assert model.record.output_mix is not None  # (None: not estimated)
    assert (model.student is not None) == (stage == "student" and at - 4 >= 4)  # half kept
    assert np.isfinite(model.denoise(noisy_pair[1], "YX")).all()


def test_the_stop_keeps_the_finished_run_choice(noisy_pair):
    """Stopped after the last student step, the model measures what the finished run does."""
    from napari_sdap import train

    done = train(noisy_pair[1], "YX", steps=4, device="cpu", **KW)
    stopped = _stopped(noisy_pair[1], "student", 4 + 8)
    assert stopped.record.output_mix == done.record.output_mix


def test_a_failed_measurement_on_a_stop_leaves_the_model_usable(noisy_pair, monkeypatch,
                                                                 caplog):
    from napari_sdap.api import output_mix

    def fail(*a, **k):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(output_mix, "output_mix", fail)
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        model = _stopped(noisy_pair[1], "teacher", 2)
    assert model.record.output_mix is None and model.noise_curve is not None
    assert "could not be measured (out of memory)" in caplog.text
    assert np.isfinite(model.denoise(noisy_pair[1], "YX")).all()
