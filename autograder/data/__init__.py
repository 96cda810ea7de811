"""Data sets (Galaxy10 SDSS, SIGNS, MNIST): registry, downloads, loaders, offline stand-ins."""
