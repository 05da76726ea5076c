"""Training: patch sampling, noise analysis and the RSG training loop."""
