#include "image.h"

#include <cmath>
#include <string>

#include "error.h"

namespace supercolor {

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
