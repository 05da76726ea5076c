"""BioImage Model Zoo (bioimage.io) packages: export (`export.export_bmz`) and read back
(`read.attached_model`, loaded by `api.loading`). `architecture.py` is copied into every
package and imports only torch."""
