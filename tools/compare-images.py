#!/usr/bin/env python3
"""Differences between two results of the same target (e.g. the default working-resolution
mode vs full-resolution analysis): per channel mean absolute difference and 99th percentile
in 8-bit levels, and SSIM of CIELab L* (skimage, data_range 100). Prints one JSON object.

usage: compare-images.py A.png B.png      (Debian python3-skimage; run with /usr/bin/python3)
"""
import json
import sys

import numpy as np
from skimage import color, io
from skimage.metrics import structural_similarity


def load(path):
    image = io.imread(path)
    return image[..., :3].astype(np.float64)


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    if a.shape != b.shape:
        sys.exit(f"sizes differ: {a.shape} vs {b.shape}")
    diff = np.abs(a - b)
    la = color.rgb2lab(a / 255)[..., 0]
    lb = color.rgb2lab(b / 255)[..., 0]
    print(json.dumps({
        "mad": [round(float(diff[..., c].mean()), 3) for c in range(3)],
        "p99": [float(np.percentile(diff[..., c], 99)) for c in range(3)],
        "ssim_L": round(float(structural_similarity(la, lb, data_range=100)), 5),
    }))


if __name__ == "__main__":
    main()
