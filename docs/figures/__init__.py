"""The docs' pictures, each computed by convlab's own kernels and drawn by one module:
python3 -m docs.figures [--out DIR] draws them all (default docs/images/). Every module has
draw(out_dir) -> path; the worked examples also have compute(), the numbers drawn, which
raise checks.FigureCheckError if they differ from what the kernels compute."""

from . import avg_pool_backward, evolution, fft, im2col, max_pool_backward, winograd, winograd_4x4

# In the order the docs use them.
FIGURES = (im2col, winograd, winograd_4x4, fft, max_pool_backward, avg_pool_backward, evolution)
