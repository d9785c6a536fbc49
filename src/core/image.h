// Plain image and label-map containers shared by every block of the method.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace supercolor {

// sRGB-encoded RGB in [0,1], float32, interleaved (r,g,b per pixel), row-major, no padding.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<float> rgb;  // size 3 * width * height

  std::size_t pixel_count() const { return static_cast<std::size_t>(width) * height; }
};

// Superpixel segmentation of an image: labels 0..count-1, contiguous, row-major.
struct Segmentation {
  int width = 0;
  int height = 0;
  int count = 0;
  std::vector<int32_t> labels;  // size width * height
};

// Throws Error(kInvalidArgument / kImageTooLarge) unless the image is non-empty, within
// kMaxImageSide / kMaxImagePixels, with a buffer of the right size and finite values.
// `what` names the image in the message ("target", "reference", ...).
void validate_image(const RgbImage& image, const char* what);

// Throws unless labels match width*height and every label is in [0, count).
void validate_segmentation(const Segmentation& segmentation, const char* what);

}  // namespace supercolor
