"""bioimage.io export: the package passes bioimageio.core's test, predicts like napari-sdap,
reads back, and bad input leaves nothing behind."""

from __future__ import annotations

import ast
import errno
import json
import os
import zipfile
from unittest import mock

import numpy as np
import pytest
from folders import read_only

import napari_sdap
from napari_sdap.api.model import SDAPModel, create_model
from napari_sdap.errors import InputError, ModelFileError, OutputError
from napari_sdap.infer.gaussian import blur_radius
from napari_sdap.infer.refine import REPAIR_HALO
from napari_sdap.model.normalize import Normalization

if not os.environ.get("CI"):  # CI installs the [bmz] extra: a missing library must fail there
    pytest.importorskip("bioimageio.core", reason="bioimage.io export needs the [bmz] extra")

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32}


def _image(shape=(64, 64), seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[-2], : shape[-1]]
    clean = 0.5 + 0.3 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    return (np.broadcast_to(clean, shape) + rng.normal(0, 0.1, shape)).astype(np.float32)


CASES = {  # name: (training image shape, axes, training settings, exported mode)
    "gray_sdap_e": ((64, 64), "YX", {"stride": 2, "student": False}, "sdap_e"),
    "student": ((64, 64), "YX", {"stride": 1, "steps": 30, "student": True,
                                  "student_steps": 150, "student_check": False},
                "student"),
    "student_stride2": ((64, 64), "YX", {"stride": 2, "student": True, "student_steps": 150},
                        "student"),  # correlated noise whose restore gives back little
    "independent_channels": ((2, 48, 48), "CYX", {"stride": 2, "student": False}, "sdap"),
    "rgb_bsn": ((48, 48, 3), "YXC", {"stride": 2, "student": False}, "bsn"),
    "bsn_offset": ((64, 64), "YX", {"stride": 1, "student": False}, "bsn"),  # white noise: the
                                                                  # teacher's bias correction
    "bsn_whitened": ((96, 96), "YX", {"stride": 1, "student": False}, "bsn"),  # whitened along
}                                                                   # X, coloured back


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each case: (model, package path, sample image, axes, mode)."""
    out = {}
    folder = tmp_path_factory.mktemp("bmz")
    for name, (shape, axes, settings, mode) in CASES.items():
        model = napari_sdap.train(_image(shape), axes, **{"steps": 12, **TINY, **settings})
        if mode == "student":
            assert model.student is not None, "the case needs a kept student"
        elif name == "bsn_offset":
            assert model.noise_curve.offset is not None, "the case needs a bias correction"
            model.noise_curve = model.noise_curve.model_copy(  # and a mix with the blurred
                update={"offset": [[0.05]], "mix": 0.3, "mix_blur": 1.5,  # input (its default
                        "mix_guard": 0.5, "blur_mode": "bsn"})  # mode), guarded
        elif name == "bsn_whitened":
            model.config.inference = model.config.inference.model_copy(
                update={"whiten_axis": "X", "whiten_coef": 0.55})
        elif name == "rgb_bsn":  # a blur and one of the colour alone (as its default mode)
            model.noise_curve = model.noise_curve.model_copy(
                update={"blur": 0.7, "colour_blur": 1.5, "blur_mode": "bsn"})
        elif name == "gray_sdap_e":  # a gate between off and full: the package must scale too;
            model.noise_curve = model.noise_curve.model_copy(  # and blur (its default mode)
                update={"strength": 0.4, "blur": 1.0, "blur_mode": "sdap_e"})
        sample = _image(shape, seed=5) * 1.5 - 0.2  # another scale, within the training range
        path = model.export_bmz(folder / f"{name}.zip", sample=sample, axes=axes, mode=mode,
                                authors=["Ada Lovelace"], name=f"test {name}")
        out[name] = (model, path, sample, axes, mode)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_bioimageio_core_model_test_passes(exported, case):
    from bioimageio.core import test_model

    summary = test_model(exported[case][1], devices=["cpu"])
    assert summary.status == "passed", summary.format()


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("weights", ["torchscript", "pytorch_state_dict"])
def test_prediction_on_the_test_tensor_matches_denoise(exported, case, weights):
    from bioimageio.core import create_prediction_pipeline, load_description
    from bioimageio.core.digest_spec import get_test_input_sample

    model, path, _, axes, mode = exported[case]
    descr = load_description(path)
    sample = get_test_input_sample(descr)
    x = np.asarray(sample.members["input"].data)
    pp = create_prediction_pipeline(descr, weight_format=weights, devices=["cpu"])
    got = pp.predict_sample_without_blocking(sample, skip_input_padding=True,
                                             skip_output_cropping=True)
    y = np.asarray(got.members["output"].data)
    image = x[0] if "C" in axes else x[0, 0]
    if axes == "YXC":
        image = np.moveaxis(image, 0, -1)
    want = np.asarray(model.denoise(image, axes, mode=mode, device="cpu"))
    if axes == "YXC":
        want = np.moveaxis(want, -1, 0)
    want = want.reshape(y.shape)
    scale = float(np.abs(want).max())
    assert np.abs(y - want).max() <= 1e-4 * max(scale, 1.0)
    assert not np.allclose(y, x), "the package must change the image"


def test_package_contents_and_description(exported):
    model, path, _, _, mode = exported["student"]
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        source = z.read("sdap_architecture.py").decode()
        readme = z.read("README.md").decode()
        config = json.loads(z.read("napari_sdap_config.json"))
    assert {"rdf.yaml", "test_input.npy", "test_output.npy", "cover.png", "README.md",
            "sdap_torchscript.pt", "sdap_state_dict.pt", "sdap_architecture.py",
            "napari_sdap_model.safetensors", "napari_sdap_config.json"} <= names
    imports = {a.name.split(".")[0] for node in ast.walk(ast.parse(source))
               if isinstance(node, (ast.Import, ast.ImportFrom))
               for a in (node.names if isinstance(node, ast.Import) else [node])
               for a in ([a] if isinstance(node, ast.Import) else [ast.alias(node.module)])}
    assert imports <= {"torch", "typing"}, imports  # runs without napari-sdap
    assert "## Validation" in readme and "student" in readme
    assert config["inference"]["mode"] == mode
    from bioimageio.core import load_description

    d = load_description(path)
    assert {"denoising", "self-supervised", "blind-spot", "sdap"} <= set(d.tags)
    assert d.authors[0].name == "Ada Lovelace" and "2307.16825" in str(d.cite[0].url)
    y = d.outputs[0].axes[2]
    r = model.student.radius
    c = model.noise_curve  # the student's radius, the outlier repair's ring, and the reach
    mix = blur_radius(c.mix_blur) if c.mix and c.blur_mode == "student" else 0  # of its mix
    assert y.halo == r + REPAIR_HALO + mix
    assert d.inputs[0].axes[2].size.step == 1
    assert d.config.napari_sdap["mode"] == mode  # type: ignore[attr-defined]


def test_sdap_packages_step_by_the_stride_and_halo_covers_any_origin(exported):
    from bioimageio.core import load_description

    model, path, *_ = exported["gray_sdap_e"]
    d = load_description(path)
    size = d.inputs[0].axes[3].size
    s, r = model.config.inference.pd_stride, model.network.radius
    assert size.step == s and size.min % s == 0 and size.min > 2 * d.outputs[0].axes[3].halo
    # sdap_e, repair, restore, blur (1.0 px: 3)
    assert d.outputs[0].axes[3].halo == r * s + (s - 1) + r + REPAIR_HALO + 3 + 3


@pytest.mark.parametrize("case", list(CASES))
def test_load_model_reads_the_package_back(exported, case):
    model, path, sample, axes, mode = exported[case]
    back = napari_sdap.load_model(path)
    assert back.resolve_mode() == mode
    np.testing.assert_array_equal(back.denoise(sample, axes, device="cpu"),
                                  model.denoise(sample, axes, mode=mode, device="cpu"))


def test_other_packages_are_refused_by_name(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("rdf.yaml", "type: model\nname: other\n")
        z.writestr("weights.pt", b"\x80\x04not read")
    with pytest.raises(ModelFileError, match=r"did not export.*loads its own .safetensors"):
        napari_sdap.load_model(path)


def test_a_damaged_attached_model_is_a_model_file_error(exported, tmp_path):
    _, path, *_ = exported["gray_sdap_e"]
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "napari_sdap_model.safetensors":
                data = data[:-10]
            dst.writestr(item, data)
    with pytest.raises(ModelFileError, match=r"bad.zip"):
        napari_sdap.load_model(bad)


def _nothing_left(folder, keep=()):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep) == []


def test_untrained_model_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(InputError, match=r"untrained.*train it first"):
        create_model("tiny").export_bmz(tmp_path / "m.zip", sample=_image())
    assert _nothing_left(tmp_path)


@pytest.mark.parametrize("with_student", [False, True])
def test_3d_models_and_their_students_are_refused(tmp_path, with_student):
    """A package takes one plane; a 3-D model (teacher or student) reads its neighbours too."""
    from napari_sdap.model.student import StudentNet

    model = create_model("tiny", width=8, blocks=1, dims=3, stride=1)
    model.normalization = Normalization(low=[0.0], high=[1.0])
    model.record.steps = 1
    if with_student:
        model.student = StudentNet(3, 8, (1, 2, 1), out_channels=1)
    assert model.resolve_mode() == ("student" if with_student else "bsn")
    stack = np.stack([_image(seed=s) for s in range(4)])
    with pytest.raises(InputError, match=r"3-D model \(network.dims=3, along Z\).*one plane.*"
                                         r"cannot be exported.*dims=2"):
        model.export_bmz(tmp_path / "m.zip", sample=stack, axes="ZYX")
    assert _nothing_left(tmp_path)


def test_channels_that_cannot_be_described_are_refused(tmp_path):
    model = create_model("tiny", channels=3)
    model.normalization = Normalization(low=[0.0, 0.0], high=[1.0, 1.0])
    model.record.steps = 1
    with pytest.raises(InputError, match="3 joint network channels and 2 independent"):
        model.export_bmz(tmp_path / "m.zip", sample=_image((32, 32, 3)))
    assert _nothing_left(tmp_path)


def test_missing_sample_and_bad_metadata_are_refused(exported, tmp_path):
    model = exported["gray_sdap_e"][0]
    with pytest.raises(InputError, match="give sample="):
        model.export_bmz(tmp_path / "m.zip")
    with pytest.raises(InputError, match="needs a 'text' and a 'doi' or 'url'"):
        model.export_bmz(tmp_path / "m.zip", sample=_image(), cite={"text": "x"})
    with pytest.raises(InputError, match=r"trained on 1 independent|joint channel"):
        model.export_bmz(tmp_path / "m.zip", sample=_image((2, 48, 48)), axes="CYX")
    with pytest.raises(OutputError, match=r"does not end in \.zip"):
        model.export_bmz(tmp_path / "m.tif", sample=_image())
    with pytest.raises(InputError, match=r"name 'Cells, 2/3' may only hold .*'Cells 2 3'"):
        model.export_bmz(tmp_path / "m.zip", sample=_image(), name="Cells, 2/3")
    with pytest.raises(InputError, match=r"license 'MIT-ish' is not an SPDX .*CC-BY-4\.0"):
        model.export_bmz(tmp_path / "m.zip", sample=_image(), license="MIT-ish")
    with pytest.raises(InputError, match=r"cite='Our paper' is a text"):
        model.export_bmz(tmp_path / "m.zip", sample=_image(), cite="Our paper")
    with pytest.raises(InputError, match=r"author '' needs a name \(not empty"):
        model.export_bmz(tmp_path / "m.zip", sample=_image(), authors=[""])
    assert _nothing_left(tmp_path)


def test_existing_path_needs_overwrite(exported, tmp_path):
    model = exported["gray_sdap_e"][0]
    target = tmp_path / "m.zip"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputError, match=r"already exists.*overwrite=True"):
        model.export_bmz(target, sample=_image())
    assert target.read_bytes() == b"keep me" and _nothing_left(tmp_path, {"m.zip"})
    model.export_bmz(target, sample=_image(), overwrite=True, license="cc-by-4.0",
                     name="Cells (spinning disk)")  # a licence in any case is taken
    assert zipfile.is_zipfile(target) and _nothing_left(tmp_path, {"m.zip"})
    with zipfile.ZipFile(target) as z:
        text = z.read("rdf.yaml").decode()
    assert "license: CC-BY-4.0" in text and "name: Cells (spinning disk)" in text


def test_read_only_folder_is_an_output_error(exported, tmp_path):
    model = exported["gray_sdap_e"][0]
    with read_only(tmp_path / "ro") as folder, pytest.raises(
            OutputError, match=r"cannot write in .*choose a writable"):
        model.export_bmz(folder / "m.zip", sample=_image())
    assert _nothing_left(folder)


def test_a_failure_while_packaging_leaves_no_partial_zip(exported, tmp_path):
    model = exported["gray_sdap_e"][0]
    full = OSError(errno.ENOSPC, "No space left on device")
    with mock.patch("bioimageio.spec.save_bioimageio_package", side_effect=full), \
            pytest.raises(OutputError, match="No space left"):
        model.export_bmz(tmp_path / "m.zip", sample=_image())
    assert _nothing_left(tmp_path)


def test_export_leaves_the_model_as_it_was(exported, tmp_path):
    model = exported["student"][0]
    before = {k: v.clone() for k, v in model.network.state_dict().items()}
    config = model.config.model_dump()
    model.export_bmz(tmp_path / "m.zip", sample=_image(), mode="bsn")
    assert isinstance(model, SDAPModel) and model.config.model_dump() == config
    assert model.resolve_mode() == "student"  # only the attached copy says "bsn"
    after = model.network.state_dict()
    assert all(np.array_equal(before[k].numpy(), after[k].numpy()) for k in before)
    assert napari_sdap.load_model(tmp_path / "m.zip").resolve_mode() == "bsn"


def test_the_package_module_adds_the_teacher_s_bias_correction(exported):
    import torch

    from napari_sdap.api.bmz.build import denoiser

    model, _, sample, axes, mode = exported["bsn_offset"]
    module, _ = denoiser(model, mode)
    got = module(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0]
    want = np.asarray(model.denoise(sample, axes, mode=mode, device="cpu"))
    assert np.abs(got - want).max() <= 1e-4 * float(np.abs(want).max())
    model_without = model.noise_curve.model_copy(update={"offset": None})
    plain, _ = denoiser(_with_curve(model, model_without), mode)
    moved = got - plain(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0]
    # the 0.05 of the case, on the image's scale, less where the restore gives the input back
    assert np.mean(np.abs(moved) > 1e-3) > 0.5


def _with_curve(model, curve):
    import copy

    other = copy.copy(model)
    other.noise_curve = curve
    return other


def test_the_package_module_blurs_the_default_output_as_chosen(exported):
    import torch

    from napari_sdap.api.bmz.build import denoiser

    model, _, sample, axes, mode = exported["gray_sdap_e"]
    module, kwargs = denoiser(model, mode)
    assert kwargs["blur"] == 1.0 and module.radius == 3
    with zipfile.ZipFile(exported["gray_sdap_e"][1]) as z:
        assert "a Gaussian blur of 1 px" in z.read("README.md").decode()
    got = module(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0]
    want = np.asarray(model.denoise(sample, axes, mode=mode, device="cpu"))
    assert np.abs(got - want).max() <= 1e-4 * float(np.abs(want).max())
    sharp, kw = denoiser(_with_curve(model, model.noise_curve.model_copy(update={"blur": 0.0})),
                         mode)
    assert kw["blur"] == 0.0 and sharp.radius == 0
    assert not np.allclose(sharp(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0],
                           got, atol=1e-3)


def test_the_package_module_mixes_in_the_blurred_input_as_chosen(exported):
    import torch

    from napari_sdap.api.bmz.build import denoiser

    model, path, sample, axes, mode = exported["bsn_offset"]
    module, kwargs = denoiser(model, mode)
    assert kwargs["mix"] == 0.3 and kwargs["mix_blur"] == 1.5 and module.mix_radius == 5
    assert kwargs["mix_guard"] == 0.5
    with zipfile.ZipFile(path) as z:
        text = z.read("README.md").decode()
    assert "30 % of the (repaired) input, blurred by 1.5 px" in text
    assert "by more than 0.5 noise stds get less of it" in text
    got = module(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0]
    want = np.asarray(model.denoise(sample, axes, mode=mode, device="cpu"))
    assert np.abs(got - want).max() <= 1e-4 * float(np.abs(want).max())
    alone, kw = denoiser(_with_curve(model, model.noise_curve.model_copy(update={"mix": 0.0})),
                         mode)
    assert kw["mix"] == 0.0 and alone.mix == 0.0
    assert not np.allclose(alone(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0],
                           got, atol=1e-3)
    free, kw = denoiser(_with_curve(model, model.noise_curve.model_copy(
        update={"mix_guard": 0.0})), mode)  # the guard keeps some pixels as they were
    unguarded = free(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0]
    assert kw["mix_guard"] == 0.0 and not np.allclose(unguarded, got, atol=1e-4)


def test_a_mix_without_a_blur_gives_the_input_itself_back_in_the_package_too(exported):
    import torch

    from napari_sdap.api.bmz.build import denoiser

    model, _, sample, axes, mode = exported["bsn_offset"]
    plain = _with_curve(model, model.noise_curve.model_copy(update={"mix_blur": 0.0,
                                                                 "mix_guard": 0.0}))
    module, kwargs = denoiser(plain, mode)
    assert kwargs["mix"] == 0.3 and kwargs["mix_blur"] == 0.0 and module.mix_radius == 0
    got = module(torch.from_numpy(sample)[None, None]).detach().numpy()[0, 0]
    want = np.asarray(plain.denoise(sample, axes, mode=mode, device="cpu"))
    assert np.abs(got - want).max() <= 1e-4 * float(np.abs(want).max())
    unmixed = np.asarray(_with_curve(model, model.noise_curve.model_copy(
        update={"mix": 0.0})).denoise(sample, axes, mode=mode, device="cpu"))
    assert not np.allclose(got, unmixed, atol=1e-3)  # the input itself did come back


def test_the_package_module_blurs_the_colour_as_chosen(exported):
    import torch

    from napari_sdap.api.bmz.build import denoiser

    model, path, sample, axes, mode = exported["rgb_bsn"]
    module, kwargs = denoiser(model, mode)
    assert kwargs["colour_blur"] == 1.5 and module.colour_radius == 5
    with zipfile.ZipFile(path) as z:
        assert "a Gaussian blur of 1.5 px of the two colour components" in z.read(
            "README.md").decode()
    x = torch.from_numpy(np.ascontiguousarray(np.moveaxis(sample, -1, 0)))[None]
    got = np.moveaxis(module(x).detach().numpy()[0], 0, -1)
    want = np.asarray(model.denoise(sample, axes, mode=mode, device="cpu"))
    assert np.abs(got - want).max() <= 1e-4 * float(np.abs(want).max())
    plain, _ = denoiser(_with_curve(model, model.noise_curve.model_copy(
        update={"colour_blur": 0.0})), mode)
    assert not np.allclose(plain(x).detach().numpy()[0], module(x).detach().numpy()[0],
                           atol=1e-3)
