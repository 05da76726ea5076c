"""BioImage Model Zoo (bioimage.io) packages: export (`export.export_bmz`) and read back
(`read.load_package`). `architecture.py` is copied into every package and imports only torch."""
