// JPEG decoding with libjpeg-turbo, the decoder that browsers use, so that Node (through the wasm
// module) and browsers read the same file to the same pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace supercolor {

// True when `data` starts with a JPEG SOI marker (FF D8, ITU T.81 B.1.1.2).
bool is_jpeg(const uint8_t* data, std::size_t size);

// Decodes a JPEG (baseline, extended or progressive; Huffman or arithmetic coding; 8 bits per
// sample) to RGBA8, alpha 255, as libjpeg-turbo decodes it by default and as Chromium does:
// accurate integer IDCT (JDCT_ISLOW), fancy (triangular) chroma upsampling. Grey JPEGs give
// R = G = B; CMYK and YCCK (Adobe) JPEGs are converted as inverted CMYK without a profile
// (R = C·K/255...), as browsers do when the file has no usable CMYK profile. Neither the
// embedded colour profile nor the EXIF orientation is applied (decode_image does both).
// Scanlines are decoded straight into the returned buffer: no other full-size copy.
// Errors: Error(kImageTooLarge) from the frame header, before any pixel memory is allocated,
// beyond kMaxImageSide / kMaxImagePixels; Error(kDecodeFailed) for data that is not a readable
// JPEG (the message says what libjpeg found) and for codings that libjpeg-turbo does not read
// (lossless, hierarchical, 12-bit: the message says which and how to convert the file);
// Error(kOutOfMemory). Data that ends early or is corrupt inside the compressed scan is decoded
// as far as it goes (libjpeg fills the rest in grey) and a message is appended to `warnings`.
Rgba8Image decode_jpeg(const uint8_t* data, std::size_t size, std::vector<std::string>& warnings);

}  // namespace supercolor
