"""poster-gen: print-ready Vietnamese campaign artwork (pano, áp phích, biểu ngữ)."""

__version__ = "0.1.0"
