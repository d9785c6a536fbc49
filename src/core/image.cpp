#include "image.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"

namespace supercolor {

namespace {

// The checks on the size that both image types share.
void validate_size(int width, int height, const std::string& name) {
  if (width <= 0 || height <= 0) {
    throw Error(ErrorCode::kInvalidArgument, name + " image is empty (" + std::to_string(width) +
                                                 "x" + std::to_string(height) + ")");
  }
  if (width > kMaxImageSide || height > kMaxImageSide ||
      static_cast<long long>(width) * height > kMaxImagePixels) {
    throw Error(ErrorCode::kImageTooLarge, name + " image is too large (" + std::to_string(width) +
                                               "x" + std::to_string(height) + "; at most " +
                                               std::to_string(kMaxImageSide) + " px a side and " +
                                               std::to_string(kMaxImagePixels) + " px in all)");
  }
}

}  // namespace

void validate_image(const Rgba8Image& image, const char* what) {
  const std::string name(what);
  validate_size(image.width, image.height, name);
  if (image.rgba.size() != 4 * image.pixel_count()) {
    throw Error(ErrorCode::kInvalidArgument,
                name + " image buffer holds " + std::to_string(image.rgba.size()) +
                    " bytes, expected 4*" + std::to_string(image.width) + "*" +
                    std::to_string(image.height));
  }
}

void validate_image(const RgbImage& image, const char* what) {
  const std::string name(what);
  if (image.width <= 0 || image.height <= 0) {
    throw Error(ErrorCode::kInvalidArgument, name + " image is empty (" +
                                                 std::to_string(image.width) + "x" +
                                                 std::to_string(image.height) + ")");
  }
  if (image.width > kMaxImageSide || image.height > kMaxImageSide ||
      static_cast<long long>(image.width) * image.height > kMaxImagePixels) {
    throw Error(ErrorCode::kImageTooLarge,
                name + " image is too large (" + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + "; at most " + std::to_string(kMaxImageSide) +
                    " px a side and " + std::to_string(kMaxImagePixels) + " px in all)");
  }
  if (image.rgb.size() != 3 * image.pixel_count()) {
    throw Error(ErrorCode::kInvalidArgument,
                name + " image buffer holds " + std::to_string(image.rgb.size()) +
                    " floats, expected 3*" + std::to_string(image.width) + "*" +
                    std::to_string(image.height));
  }
  for (float v : image.rgb) {
    if (!std::isfinite(v)) {
      throw Error(ErrorCode::kInvalidArgument, name + " image contains a non-finite value");
    }
  }
}

RgbImage to_rgb(const Rgba8Image& image) {
  RgbImage out;
  out.width = image.width;
  out.height = image.height;
  out.rgb.resize(3 * image.rgba.size() / 4);
  for (std::size_t p = 0, n = out.pixel_count(); p < n; ++p) {
    for (int c = 0; c < 3; ++c) out.rgb[3 * p + c] = image.rgba[4 * p + c] / 255.0f;
  }
  return out;
}

Rgba8Image to_rgba8(const RgbImage& image, const Rgba8Image* alpha_source) {
  if (alpha_source != nullptr &&
      (alpha_source->width != image.width || alpha_source->height != image.height)) {
    throw Error(ErrorCode::kInvalidArgument, "alpha source size differs from the image");
  }
  Rgba8Image out;
  out.width = image.width;
  out.height = image.height;
  out.rgba.resize(4 * image.pixel_count());
  for (std::size_t p = 0, n = image.pixel_count(); p < n; ++p) {
    for (int c = 0; c < 3; ++c) {
      const float v = std::min(1.0f, std::max(0.0f, image.rgb[3 * p + c]));
      out.rgba[4 * p + c] = static_cast<uint8_t>(std::lround(v * 255.0f));
    }
    out.rgba[4 * p + 3] = alpha_source != nullptr ? alpha_source->rgba[4 * p + 3] : 255;
  }
  return out;
}

void validate_segmentation(const Segmentation& segmentation, const char* what) {
  const std::string name(what);
  if (segmentation.width <= 0 || segmentation.height <= 0 || segmentation.count <= 0) {
    throw Error(ErrorCode::kInvalidArgument, name + " segmentation is empty");
  }
  if (segmentation.labels.size() !=
      static_cast<std::size_t>(segmentation.width) * segmentation.height) {
    throw Error(ErrorCode::kInvalidArgument, name + " segmentation has " +
                                                 std::to_string(segmentation.labels.size()) +
                                                 " labels, expected width*height");
  }
  for (int32_t label : segmentation.labels) {
    if (label < 0 || label >= segmentation.count) {
      throw Error(ErrorCode::kInvalidArgument, name + " segmentation has label " +
                                                   std::to_string(label) + " outside [0, " +
                                                   std::to_string(segmentation.count) + ")");
    }
  }
}

}  // namespace supercolor
