// Decoding and encoding of PNG / JPEG (and the other formats stb_image reads) for Node (through
// the wasm module) and native tools. Browsers use their own decoders instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace supercolor {

// 8-bit RGBA, row-major, no padding.
struct Rgba8Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgba;  // size 4 * width * height
};

// Decodes an encoded image. JPEG EXIF orientation is applied. Throws Error(kDecodeFailed) for
// empty, truncated or unrecognised data, Error(kImageTooLarge) beyond the core's limits.
Rgba8Image decode_image(const uint8_t* data, std::size_t size);
Rgba8Image read_image_file(const std::string& path);

// PNG bytes of an RGBA image. Throws Error(kEncodeFailed) / Error(kInvalidArgument).
std::vector<uint8_t> encode_png(const Rgba8Image& image);
// JPEG bytes (quality 1..100; alpha dropped).
std::vector<uint8_t> encode_jpeg(const Rgba8Image& image, int quality);
// Writes atomically (a temporary file renamed over `path`).
void write_png_file(const std::string& path, const Rgba8Image& image);

// Conversions between 8-bit RGBA and the core's float RGB in [0,1]: to_rgba8 clamps to [0,1]
// and rounds to nearest; alpha is taken from `alpha_source` when given (same size), else 255.
RgbImage to_rgb(const Rgba8Image& image);
Rgba8Image to_rgba8(const RgbImage& image, const Rgba8Image* alpha_source = nullptr);

}  // namespace supercolor
