"""napari front end of napari-sdap (npe2 manifest in ``napari.yaml``).

The only package allowed to import napari, magicgui and Qt. Nothing here imports torch at module
level: the API is imported inside the functions that need it, so napari starts quickly.
"""
