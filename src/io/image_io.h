// Decoding and encoding of PNG / JPEG (and the other formats stb_image reads) for Node (through
// the wasm module) and native tools. Browsers use their own decoders instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace supercolor {

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

}  // namespace supercolor
