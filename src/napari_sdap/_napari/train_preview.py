"""The Train widget's live preview: which plane it denoises, showing it, and turning it off.

The preview follows the plane on screen while a model trains (`_update_preview_target`, on
every dims step and when the checkbox changes); unticking the box hides it at once. A preview
that cannot be made or shown any more (the layer's data replaced by one of other dimensions)
is turned off for the run, with one warning; training goes on. The source and the preview
layer are held by object, so renaming layers neither loses them nor picks up a user's layer.
"""

from __future__ import annotations

from typing import Any

from napari_sdap._napari.layers import level0, preview_target
from napari_sdap._napari.preview_layer import hide_preview, show_preview

__all__ = ["TrainPreview"]


class TrainPreview:
    """Mixin for the Train widget (`viewer`, `job`, `worker`, `layer_name`, `preview`,
    `outcome`, `status`)."""

    viewer: Any
    outcome: str
    status: Any
    job: Any
    worker: Any
    layer_name: str
    preview: Any
    _source: Any = None
    _preview_layer: Any = None

    def _track_source(self, layer: Any) -> None:
        """The layer this run trains on (its name for the model's labels); another layer than
        the last run's gets a preview of its own."""
        if layer is not self._source:
            self._preview_layer = None
        self._source, self.layer_name = layer, layer.name

    def _source_layer(self) -> Any:
        """The layer being trained on, while still in the viewer (None: removed)."""
        return self._source if self._source is not None and self._source in self.viewer.layers \
            else None

    def _note_source(self) -> None:
        """Say (status and warning) when the layer trained on was removed or given other data
        while the run lasted: the model learned the data it had when the run started."""
        from napari.utils.notifications import show_warning

        source, job = self._source, self.job
        if source is None or job is None or self.outcome not in ("done", "stopped"):
            return
        if source not in self.viewer.layers:
            note = f"{source.name!r} was removed while it was trained on"
        elif level0(source) is not job.image:
            note = f"{source.name!r} got other data while it was trained on"
        else:
            return
        note += "; the model learned its data of before: press Train again for the new data"
        self.status.info(f"{self.status.text()}; note: {note}")
        show_warning(f"napari-sdap: {note}")

    def _hide_preview(self) -> None:
        hide_preview(self.viewer, self._preview_layer)

    def _update_preview_target(self, *_: Any) -> None:
        """The slot: only while a model trains (a finished job keeps no preview)."""
        if self.job is not None and self.worker is not None:
            self._set_preview_target()

    def _set_preview_target(self) -> None:
        layer = self._source_layer()
        if not self.preview.isChecked() or layer is None:
            self.job.preview = None
            self._hide_preview()
            return
        try:
            self.job.preview = preview_target(self.viewer, layer, self.job.axes)
        except Exception as err:  # e.g. the layer's data changed its dimensions
            self._preview_off(f"training preview turned off ({err}); training goes on")

    def _show_preview(self, rec: Any) -> None:
        source = self._source_layer()
        if source is None or self.job is None or self.job.preview is None:
            return
        try:
            self._preview_layer = show_preview(self.viewer, source, rec.data, rec.target,
                                               self._preview_layer)
        except Exception as err:  # e.g. the layer's data changed its dimensions
            self._preview_off(f"training preview turned off ({err}); training goes on")

    def _preview_off(self, message: str) -> None:
        """Stop previewing for this run (once, with a warning)."""
        from napari.utils.notifications import show_warning

        if self.job is not None and self.job.preview is not None:
            self.job.preview = None
            self._hide_preview()
            show_warning(message)
