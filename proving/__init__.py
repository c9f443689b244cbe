"""prove.py's checks: a conv2d algorithm, backend or graded exercise against torch."""
