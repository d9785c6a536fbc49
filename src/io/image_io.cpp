#include "io/image_io.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <utility>

#include "core/error.h"
#include "io/color_profile.h"
#include "io/jpeg_decode.h"

namespace supercolor {
namespace {

uint16_t read16(const uint8_t* p, bool little) {
  return little ? static_cast<uint16_t>(p[0] | (p[1] << 8))
                : static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t read32(const uint8_t* p, bool little) {
  return little ? (uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
                   (uint32_t(p[3]) << 24))
                : ((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) |
                   uint32_t(p[3]));
}

// EXIF orientation (1..8) of a JPEG, 1 when absent or unreadable. libjpeg does not interpret
// EXIF, and phone photos rely on it, so the APP1 segment is read here (bounds-checked throughout).
int jpeg_exif_orientation(const uint8_t* data, std::size_t size) {
  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return 1;
  std::size_t pos = 2;
  while (pos + 4 <= size) {
    if (data[pos] != 0xFF) return 1;
    const uint8_t marker = data[pos + 1];
    if (marker == 0xDA || marker == 0xD9) return 1;  // start of scan / end: no EXIF before it
    const std::size_t length = read16(data + pos + 2, false);
    if (length < 2 || pos + 2 + length > size) return 1;
    const uint8_t* segment = data + pos + 4;
    const std::size_t segment_size = length - 2;
    if (marker == 0xE1 && segment_size >= 14 && std::equal(segment, segment + 6, "Exif\0\0")) {
      const uint8_t* tiff = segment + 6;
      const std::size_t tiff_size = segment_size - 6;
      const bool little = tiff[0] == 'I' && tiff[1] == 'I';
      if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) return 1;
      const uint32_t ifd = read32(tiff + 4, little);
      if (ifd + 2 > tiff_size) return 1;
      const uint16_t entries = read16(tiff + ifd, little);
      for (uint32_t e = 0; e < entries; ++e) {
        const std::size_t entry = ifd + 2 + 12 * std::size_t(e);
        if (entry + 12 > tiff_size) return 1;
        if (read16(tiff + entry, little) == 0x0112) {
          const int value = read16(tiff + entry + 8, little);
          return value >= 1 && value <= 8 ? value : 1;
        }
      }
      return 1;
    }
    pos += 2 + length;
  }
  return 1;
}

// Applies an EXIF orientation so the image displays upright. Orientation 1 hands the image back
// as it is (moved, no copy); the others need one output buffer.
Rgba8Image apply_orientation(Rgba8Image in, int orientation) {
  if (orientation <= 1) return in;
  const bool transpose = orientation >= 5;
  Rgba8Image out;
  out.width = transpose ? in.height : in.width;
  out.height = transpose ? in.width : in.height;
  out.rgba.resize(in.rgba.size());
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sx = 0, sy = 0;  // source pixel for output (x, y)
      switch (orientation) {
        case 2:
          sx = in.width - 1 - x;
          sy = y;
          break;  // mirror horizontal
        case 3:
          sx = in.width - 1 - x;
          sy = in.height - 1 - y;
          break;  // rotate 180
        case 4:
          sx = x;
          sy = in.height - 1 - y;
          break;  // mirror vertical
        case 5:
          sx = y;
          sy = x;
          break;  // transpose
        case 6:
          sx = y;
          sy = in.height - 1 - x;
          break;  // rotate 90 CW
        case 7:
          sx = in.width - 1 - y;
          sy = in.height - 1 - x;
          break;  // transverse
        case 8:
          sx = in.width - 1 - y;
          sy = x;
          break;  // rotate 270 CW
        default:
          sx = x;
          sy = y;
          break;
      }
      std::copy_n(&in.rgba[4 * (std::size_t(sy) * in.width + sx)], 4,
                  &out.rgba[4 * (std::size_t(y) * out.width + x)]);
    }
  }
  return out;
}

// PNG and the other formats stb_image reads (JPEGs go to libjpeg-turbo) to RGBA8.
Rgba8Image decode_with_stb(const uint8_t* data, std::size_t size) {
  int width = 0, height = 0, channels = 0;
  // A PNG's size is in its IHDR chunk (PNG spec 11.2.2: signature, then IHDR with width and
  // height as big-endian uint32 at bytes 16-23). stb refuses huge ones as "corrupt"; they are
  // images too large, so they are told apart here first.
  static const uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size >= 24 && std::equal(kPngSignature, kPngSignature + 8, data)) {
    const auto be32 = [&](std::size_t at) {
      return (uint32_t(data[at]) << 24) | (uint32_t(data[at + 1]) << 16) |
             (uint32_t(data[at + 2]) << 8) | uint32_t(data[at + 3]);
    };
    const uint32_t png_width = be32(16), png_height = be32(20);
    if (png_width > uint32_t(kMaxImageSide) || png_height > uint32_t(kMaxImageSide) ||
        static_cast<unsigned long long>(png_width) * png_height >
            static_cast<unsigned long long>(kMaxImagePixels)) {
      throw Error(ErrorCode::kImageTooLarge, "image is too large (" + std::to_string(png_width) +
                                                 "x" + std::to_string(png_height) + "; at most " +
                                                 std::to_string(kMaxImageSide) + " px a side and " +
                                                 std::to_string(kMaxImagePixels) + " px in all)");
    }
  }
  if (!stbi_info_from_memory(data, static_cast<int>(size), &width, &height, &channels)) {
    throw Error(ErrorCode::kDecodeFailed,
                std::string("not a decodable image: ") + stbi_failure_reason());
  }
  if (width > kMaxImageSide || height > kMaxImageSide ||
      static_cast<long long>(width) * height > kMaxImagePixels) {
    throw Error(ErrorCode::kImageTooLarge, "image is too large (" + std::to_string(width) + "x" +
                                               std::to_string(height) + ")");
  }
  uint8_t* pixels =
      stbi_load_from_memory(data, static_cast<int>(size), &width, &height, &channels, 4);
  if (pixels == nullptr) {
    const std::string reason = stbi_failure_reason();
    if (reason.find("outofmem") != std::string::npos ||
        reason.find("Out of memory") != std::string::npos) {
      throw Error(ErrorCode::kOutOfMemory, "out of memory decoding the image");
    }
    throw Error(ErrorCode::kDecodeFailed, "could not decode the image: " + reason);
  }
  Rgba8Image image;
  image.width = width;
  image.height = height;
  image.rgba.assign(pixels, pixels + 4 * std::size_t(width) * height);
  stbi_image_free(pixels);
  return image;
}

}  // namespace

Rgba8Image decode_image(const uint8_t* data, std::size_t size, std::vector<std::string>* warnings) {
  if (data == nullptr || size == 0) throw Error(ErrorCode::kDecodeFailed, "image data is empty");
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw Error(ErrorCode::kImageTooLarge, "encoded image is larger than 2 GB");
  }
  std::vector<std::string> decode_warnings;
  Rgba8Image image =
      is_jpeg(data, size) ? decode_jpeg(data, size, decode_warnings) : decode_with_stb(data, size);
  // Embedded colour profile -> sRGB (a broken one only warns).
  std::vector<uint8_t> profile = jpeg_icc_profile(data, size, decode_warnings);
  if (profile.empty()) profile = png_icc_profile(data, size, decode_warnings);
  convert_to_srgb(image, profile, decode_warnings);
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), decode_warnings.begin(), decode_warnings.end());
  }
  return apply_orientation(std::move(image), jpeg_exif_orientation(data, size));
}

Rgba8Image read_image_file(const std::string& path, std::vector<std::string>* warnings) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(ErrorCode::kDecodeFailed, "cannot open " + path);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  try {
    return decode_image(bytes.data(), bytes.size(), warnings);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

std::vector<uint8_t> encode_png(const Rgba8Image& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgba.size() != 4 * std::size_t(image.width) * image.height) {
    throw Error(ErrorCode::kInvalidArgument, "cannot encode: empty image or wrong buffer size");
  }
  std::vector<uint8_t> out;
  const auto append = [](void* context, void* bytes, int n) {
    auto* target = static_cast<std::vector<uint8_t>*>(context);
    const auto* begin = static_cast<const uint8_t*>(bytes);
    target->insert(target->end(), begin, begin + n);
  };
  // An opaque image is written as RGB (PNG colour type 2): an eighth smaller and faster than
  // RGBA with its constant alpha, for a copy of 3 bytes per pixel while encoding.
  const std::size_t pixels = image.pixel_count();
  bool opaque = true;
  for (std::size_t p = 0; p < pixels && opaque; ++p) opaque = image.rgba[4 * p + 3] == 255;
  std::vector<uint8_t> rgb;
  if (opaque) {
    rgb.resize(3 * pixels);
    for (std::size_t p = 0; p < pixels; ++p) {
      for (int c = 0; c < 3; ++c) rgb[3 * p + c] = image.rgba[4 * p + c];
    }
  }
  const int channels = opaque ? 3 : 4;
  if (!stbi_write_png_to_func(append, &out, image.width, image.height, channels,
                              opaque ? rgb.data() : image.rgba.data(), channels * image.width)) {
    throw Error(ErrorCode::kEncodeFailed, "PNG encoding failed");
  }
  return png_with_srgb_chunk(out);
}

std::vector<uint8_t> encode_jpeg(const Rgba8Image& image, int quality) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgba.size() != 4 * std::size_t(image.width) * image.height) {
    throw Error(ErrorCode::kInvalidArgument, "cannot encode: empty image or wrong buffer size");
  }
  if (quality < 1 || quality > 100) {
    throw Error(ErrorCode::kInvalidArgument,
                "JPEG quality must be in [1, 100], got " + std::to_string(quality));
  }
  std::vector<uint8_t> out;
  const auto append = [](void* context, void* bytes, int n) {
    auto* target = static_cast<std::vector<uint8_t>*>(context);
    const auto* begin = static_cast<const uint8_t*>(bytes);
    target->insert(target->end(), begin, begin + n);
  };
  if (!stbi_write_jpg_to_func(append, &out, image.width, image.height, 4, image.rgba.data(),
                              quality)) {
    throw Error(ErrorCode::kEncodeFailed, "JPEG encoding failed");
  }
  return jpeg_with_srgb_profile(out);
}

void write_png_file(const std::string& path, const Rgba8Image& image) {
  const std::vector<uint8_t> bytes = encode_png(image);
  const std::string temporary = path + ".tmp-supercolor";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) throw Error(ErrorCode::kEncodeFailed, "cannot write " + temporary);
    file.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!file) throw Error(ErrorCode::kEncodeFailed, "cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw Error(ErrorCode::kEncodeFailed, "cannot rename onto " + path);
  }
}

}  // namespace supercolor
