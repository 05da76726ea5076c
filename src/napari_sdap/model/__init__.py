"""Pure-torch pieces: the blind-spot network and pixel-shuffle / random sub-sampling."""
