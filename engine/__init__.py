"""vignettes: an interactive-fiction engine for stories told in short vignettes."""

__version__ = "0.1.0"
