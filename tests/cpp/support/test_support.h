// Helpers shared by the GoogleTest suites: test data beside the project, synthetic images.
#pragma once

#include <string>
#include <vector>

#include "core/image.h"

namespace supercolor::test {

// ../shared/testdata/pairs/NN_name folders, sorted.
std::vector<std::string> pair_dirs();
// target.* / reference.* inside a pair folder, decoded to float RGB.
RgbImage load_pair_image(const std::string& pair_dir, const std::string& which);
// Path of ../shared/testdata/pairs/<name>.
std::string pair_dir(const std::string& name);

// Deterministic pseudo-random image (uniform noise in [0,1]) of the given size.
RgbImage random_image(int width, int height, unsigned seed);
// A smooth random image: a few blurred colour blobs plus a little noise, like a photo.
RgbImage smooth_image(int width, int height, unsigned seed);
// Crop [x0, x0+w) x [y0, y0+h) of an image.
RgbImage crop(const RgbImage& image, int x0, int y0, int w, int h);
// Box blur of radius r (window clamped at the borders), per channel, in double.
RgbImage box_blur(const RgbImage& image, int r);
// Bilinear downscale/upscale to the given size (for small versions of the test photos).
RgbImage resize(const RgbImage& image, int width, int height);

// CIELab of every pixel (3 floats per pixel).
std::vector<float> lab_of(const RgbImage& image);
// Mean SSIM of two single-channel images over 7x7 windows every 3 pixels (Wang et al. 2004
// constants for a dynamic range of 100, the L* range).
double ssim(const std::vector<double>& a, const std::vector<double>& b, int width, int height);

}  // namespace supercolor::test
