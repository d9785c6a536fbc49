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

// 8-bit RGBA (sRGB-encoded levels 0..255, straight alpha), row-major, no padding: what
// decoders produce and what the method outputs.
struct Rgba8Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgba;  // size 4 * width * height

  std::size_t pixel_count() const { return static_cast<std::size_t>(width) * height; }
};

// Conversions between 8-bit RGBA and float RGB in [0,1]: to_rgba8 clamps to [0,1] and rounds to
// nearest; alpha is taken from `alpha_source` when given (same size), else 255.
RgbImage to_rgb(const Rgba8Image& image);
Rgba8Image to_rgba8(const RgbImage& image, const Rgba8Image* alpha_source = nullptr);

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

// As validate_image, for 8-bit RGBA.
void validate_image(const Rgba8Image& image, const char* what);

// Throws unless labels match width*height and every label is in [0, count).
void validate_segmentation(const Segmentation& segmentation, const char* what);

}  // namespace supercolor
