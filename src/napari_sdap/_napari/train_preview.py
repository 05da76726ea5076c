"""The Train widget's live preview: which plane it denoises, showing it, and turning it off.

The preview follows the plane on screen while a model trains (`_update_preview_target`, on
every dims step and when the checkbox changes); unticking the box hides it at once. A preview
that cannot be made or shown any more (the layer's data replaced by one of other dimensions)
is turned off for the run, with one warning; training goes on.
"""

from __future__ import annotations

from typing import Any

from napari_sdap._napari.layers import hide_preview, preview_target, show_preview

__all__ = ["TrainPreview"]


class TrainPreview:
    """Mixin for the Train widget (`viewer`, `job`, `worker`, `layer_name`, `preview`)."""

    viewer: Any
    job: Any
    worker: Any
    layer_name: str
    preview: Any

    def _update_preview_target(self, *_: Any) -> None:
        """The slot: only while a model trains (a finished job keeps no preview)."""
        if self.job is not None and self.worker is not None:
            self._set_preview_target()

    def _set_preview_target(self) -> None:
        layer = self.viewer.layers[self.layer_name] if self.layer_name in self.viewer.layers \
            else None
        if not self.preview.isChecked() or layer is None:
            self.job.preview = None
            hide_preview(self.viewer, self.layer_name)
            return
        try:
            self.job.preview = preview_target(self.viewer, layer, self.job.axes)
        except Exception as err:  # e.g. the layer's data changed its dimensions
            self._preview_off(f"training preview turned off ({err}); training goes on")

    def _show_preview(self, rec: Any) -> None:
        if self.layer_name not in self.viewer.layers or self.job is None \
                or self.job.preview is None:
            return
        try:
            show_preview(self.viewer, self.viewer.layers[self.layer_name], rec.data, rec.target)
        except Exception as err:  # e.g. the layer's data changed its dimensions
            self._preview_off(f"training preview turned off ({err}); training goes on")

    def _preview_off(self, message: str) -> None:
        """Stop previewing for this run (once, with a warning)."""
        from napari.utils.notifications import show_warning

        if self.job is not None and self.job.preview is not None:
            self.job.preview = None
            hide_preview(self.viewer, self.layer_name)
            show_warning(message)
