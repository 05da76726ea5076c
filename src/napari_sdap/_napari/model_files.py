"""Loading a model file in either panel, never dropping unsaved training without asking; saving
the current model."""

from __future__ import annotations

from typing import Any

__all__ = ["ModelLoading"]


class ModelLoading:
    """Mixin of the Train and Denoise panels (with `session`, `status` and `confirm`)."""

    session: Any
    status: Any
    confirm: Any

    def may_discard(self, action: str) -> bool:
        """Whether the current model may be dropped to `action`: yes when it is saved (or never
        trained); otherwise `confirm` asks."""
        m = self.session.model
        if m is None or self.session.saved or not m.record.steps:
            return True
        return bool(self.confirm(f"The current model ({m.record.steps} steps, trained on "
                                 f"{self.session.source_name()}) is not saved. Discard it and "
                                 f"{action}?"))

    def load_model(self, path: str | None = None) -> None:
        """Load a model file as the viewer's current model (a file dialog unless `path` is
        given); refused while a model trains, asks first when unsaved training would go."""
        from napari_sdap._napari.controls import report_error
        from napari_sdap._napari.session import model_file_dialog
        from napari_sdap.errors import InputError

        if self.session.training:
            report_error(InputError("a training is running; stop it or wait until it ends "
                                    "before loading another model"), self.status)
            return
        if not self.may_discard("load another model"):
            return
        path = path or model_file_dialog(self, save=False)
        if not path:
            return
        try:
            self.session.load(path)
        except Exception as err:
            report_error(err, self.status)
            return
        self.status.info(f"loaded {path}")

    def save_model(self, path: str | None = None) -> None:
        """Save the current model (file dialog unless `path` is given), as `<name>.safetensors`
        when the name has no such ending (`with_model_ending`).

        The save dialog asks before replacing a file, so a file chosen there is replaced (the
        file with the ending added: asked here); a `path` given here never replaces a file."""
        from pathlib import Path

        from napari_sdap._napari.controls import report_error
        from napari_sdap._napari.session import model_file_dialog, with_model_ending

        confirmed = not path
        typed = path or model_file_dialog(self, save=True)
        if self.session.model is None or not typed:
            return
        path = with_model_ending(typed)
        if confirmed and path != typed and Path(path).exists() \
                and not self.confirm(f"{path} already exists. Replace it?"):
            return
        try:
            self.status.info(f"model saved to {self.session.save(path, overwrite=confirmed)}")
        except Exception as err:
            report_error(err, self.status)
