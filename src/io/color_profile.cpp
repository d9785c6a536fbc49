#include "io/color_profile.h"

#include <lcms2.h>
#include <stb_image.h>

#include <algorithm>
#include <array>
#include <memory>
#include <type_traits>

namespace supercolor {
namespace {

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
void write_be32(uint8_t* p, uint32_t value) {
  p[0] = uint8_t(value >> 24);
  p[1] = uint8_t(value >> 16);
  p[2] = uint8_t(value >> 8);
  p[3] = uint8_t(value);
}

// Largest decompressed iCCP profile accepted: real profiles are a few kB to a few MB; the cap
// keeps a hostile zlib stream (deflate expands up to ~1000x) from exhausting memory.
constexpr std::size_t kMaxPngProfileBytes = std::size_t(16) << 20;

// Inflates a zlib stream (RFC 1950) with stb_image's decoder into at most `limit` bytes; empty
// when the stream is broken or larger.
std::vector<uint8_t> inflate_zlib(const uint8_t* data, std::size_t size, std::size_t limit) {
  if (size > std::size_t(1) << 30) return {};
  std::vector<uint8_t> out;
  // stb fails when the output buffer is too small: start small, grow up to the cap.
  for (std::size_t capacity = std::min(std::max<std::size_t>(4 * size, 1 << 16), limit);;
       capacity = std::min(capacity * 4, limit)) {
    out.resize(capacity);
    const int written = stbi_zlib_decode_buffer(reinterpret_cast<char*>(out.data()), int(capacity),
                                                reinterpret_cast<const char*>(data), int(size));
    if (written >= 0) {
      out.resize(std::size_t(written));
      return out;
    }
    if (capacity >= limit) return {};
  }
}

// CRC-32 of PNG chunks (PNG spec Annex D: polynomial 0xEDB88320, reflected, inverted).
uint32_t png_crc(const uint8_t* bytes, std::size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

// Little CMS objects, each freed by its own function.
struct ContextDeleter {
  void operator()(cmsContext context) const { cmsDeleteContext(context); }
};
struct ProfileDeleter {
  void operator()(void* profile) const { cmsCloseProfile(static_cast<cmsHPROFILE>(profile)); }
};
struct TransformDeleter {
  void operator()(void* transform) const {
    cmsDeleteTransform(static_cast<cmsHTRANSFORM>(transform));
  }
};
using ContextPtr = std::unique_ptr<std::remove_pointer_t<cmsContext>, ContextDeleter>;
using ProfilePtr = std::unique_ptr<void, ProfileDeleter>;
using TransformPtr = std::unique_ptr<void, TransformDeleter>;

// A Little CMS context of its own per call (thread-safe; no global state), whose error handler
// keeps the last message for the caller's warning.
void record_lcms_error(cmsContext context, cmsUInt32Number, const char* text) {
  auto* last_error = static_cast<std::string*>(cmsGetContextUserData(context));
  if (last_error != nullptr && text != nullptr) *last_error = text;
}

std::string profile_description(cmsHPROFILE profile) {
  char text[256] = {};
  if (cmsGetProfileInfoASCII(profile, cmsInfoDescription, "en", "US", text, sizeof text) == 0) {
    return "unnamed";
  }
  return text;
}

}  // namespace

std::vector<uint8_t> jpeg_icc_profile(const uint8_t* data, std::size_t size,
                                      std::vector<std::string>& warnings) {
  static const char kSignature[12] = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0};
  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return {};
  // chunks[n - 1] = payload of the segment numbered n (ICC.1 B.4: numbers 1..count).
  std::vector<std::pair<const uint8_t*, std::size_t>> chunks;
  int count = 0;
  bool consistent = true;
  std::size_t pos = 2;
  while (pos + 4 <= size) {
    if (data[pos] != 0xFF) break;
    const uint8_t marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte before a marker (ITU T.81 B.1.1.2)
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // the profile precedes the first scan
    const std::size_t length = (std::size_t(data[pos + 2]) << 8) | data[pos + 3];
    if (length < 2 || pos + 2 + length > size) break;
    const uint8_t* segment = data + pos + 4;
    const std::size_t segment_size = length - 2;
    if (marker == 0xE2 && segment_size >= 14 && std::equal(kSignature, kSignature + 12, segment)) {
      const int number = segment[12], total = segment[13];
      if (count == 0 && total > 0) {
        count = total;
        chunks.assign(std::size_t(total), {nullptr, 0});
      }
      if (total != count || number < 1 || number > count || chunks[number - 1].first) {
        consistent = false;
      } else {
        chunks[number - 1] = {segment + 14, segment_size - 14};
      }
    }
    pos += 2 + length;
  }
  if (count == 0 && consistent) return {};
  std::vector<uint8_t> profile;
  for (const auto& [bytes, length] : chunks) {
    if (bytes == nullptr) consistent = false;
    if (consistent) profile.insert(profile.end(), bytes, bytes + length);
  }
  if (!consistent || profile.empty()) {
    warnings.push_back(
        "colour profile ignored (the image is read as sRGB): its JPEG ICC_PROFILE segments are "
        "incomplete or inconsistent");
    return {};
  }
  return profile;
}

std::vector<uint8_t> png_icc_profile(const uint8_t* data, std::size_t size,
                                     std::vector<std::string>& warnings) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size < 8 || !std::equal(kSignature, kSignature + 8, data)) return {};
  std::size_t pos = 8;
  std::vector<uint8_t> profile;
  while (pos + 12 <= size) {
    const std::size_t length = read_be32(data + pos);
    if (length > size - pos - 12) break;
    const uint8_t* type = data + pos + 4;
    const uint8_t* chunk = data + pos + 8;
    const auto is = [&](const char* name) { return std::equal(type, type + 4, name); };
    if (is("IDAT") || is("IEND")) break;  // colour chunks precede the image data
    if (is("sRGB")) return {};            // sRGB: nothing to convert (11.3.3.5)
    if (is("iCCP") && profile.empty()) {
      // Name (1-79 bytes), NUL, compression method (0 = zlib), compressed profile.
      const uint8_t* name_end = std::find(chunk, chunk + std::min<std::size_t>(length, 80), 0);
      const std::size_t header = std::size_t(name_end - chunk) + 2;
      if (name_end == chunk + std::min<std::size_t>(length, 80) || header > length ||
          name_end[1] != 0) {
        warnings.push_back(
            "colour profile ignored (the image is read as sRGB): malformed PNG iCCP chunk");
        return {};
      }
      profile = inflate_zlib(chunk + header, length - header, kMaxPngProfileBytes);
      if (profile.empty()) {
        warnings.push_back(
            "colour profile ignored (the image is read as sRGB): the PNG iCCP chunk's "
            "compressed profile is broken or larger than 16 MB");
        return {};
      }
    }
    pos += 12 + length;
  }
  return profile;
}

void convert_to_srgb(Rgba8Image& image, const std::vector<uint8_t>& icc_profile,
                     std::vector<std::string>& warnings) {
  if (icc_profile.empty() || image.rgba.empty()) return;
  std::string last_error;
  const ContextPtr context(cmsCreateContext(nullptr, &last_error));
  const auto ignored = [&](const std::string& why) {
    warnings.push_back("colour profile ignored (the image is read as sRGB): " + why);
  };
  if (!context) return ignored("Little CMS could not start");
  cmsSetLogErrorHandlerTHR(context.get(), record_lcms_error);

  const ProfilePtr source(cmsOpenProfileFromMemTHR(
      context.get(), icc_profile.data(), static_cast<cmsUInt32Number>(icc_profile.size())));
  if (!source) {
    return ignored("the embedded ICC profile is unreadable" +
                   (last_error.empty() ? std::string() : " (" + last_error + ")"));
  }
  const cmsProfileClassSignature device_class = cmsGetDeviceClass(source.get());
  if (device_class != cmsSigInputClass && device_class != cmsSigDisplayClass &&
      device_class != cmsSigOutputClass && device_class != cmsSigColorSpaceClass) {
    return ignored(
        "the embedded ICC profile is not an image's colour space (device link, "
        "abstract or named-colour profile)");
  }
  // The decoded pixels are RGBA8 (stb expands grey to R = G = B): an RGB profile reads the three
  // channels, a grey one reads R; alpha is an extra channel that Little CMS leaves untouched.
  cmsUInt32Number input_format = 0;
  const cmsColorSpaceSignature space = cmsGetColorSpace(source.get());
  if (space == cmsSigRgbData) {
    input_format = TYPE_RGBA_8;
  } else if (space == cmsSigGrayData) {
    input_format = COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | BYTES_SH(1) | EXTRA_SH(3);
  } else {
    return ignored("profiles of this colour space (" +
                   std::string(space == cmsSigCmykData ? "CMYK" : "not RGB or grey") +
                   ") are not supported");
  }
  const ProfilePtr srgb(cmsCreate_sRGBProfileTHR(context.get()));
  const TransformPtr transform(srgb ? cmsCreateTransformTHR(context.get(), source.get(),
                                                            input_format, srgb.get(), TYPE_RGBA_8,
                                                            INTENT_PERCEPTUAL, 0)
                                    : nullptr);
  if (!transform) {
    return ignored("Little CMS cannot convert from the profile \"" +
                   profile_description(source.get()) + "\"" +
                   (last_error.empty() ? std::string() : " (" + last_error + ")"));
  }
  // In place (same pixel size in and out, which Little CMS allows), one row at a time so that
  // the pixel count stays within cmsUInt32Number.
  const std::size_t row_bytes = 4 * std::size_t(image.width);
  for (int y = 0; y < image.height; ++y) {
    uint8_t* row = image.rgba.data() + row_bytes * std::size_t(y);
    cmsDoTransform(transform.get(), row, row, static_cast<cmsUInt32Number>(image.width));
  }
}

const std::vector<uint8_t>& srgb_icc_profile() {
  static const std::vector<uint8_t> profile = [] {
    const ContextPtr context(cmsCreateContext(nullptr, nullptr));
    const ProfilePtr srgb(cmsCreate_sRGBProfileTHR(context.get()));
    cmsUInt32Number size = 0;
    std::vector<uint8_t> bytes;
    if (srgb && cmsSaveProfileToMem(srgb.get(), nullptr, &size) && size >= 128) {
      bytes.resize(size);
      if (!cmsSaveProfileToMem(srgb.get(), bytes.data(), &size)) bytes.clear();
    }
    if (bytes.size() >= 128) {
      // Little CMS stamps the creation time into the header (ICC.1 7.2.8: six big-endian
      // uint16 at byte 24); a fixed date keeps outputs byte-identical from run to run.
      static const uint8_t kFixedDate[12] = {0x07, 0xE8, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};
      std::copy(kFixedDate, kFixedDate + 12, bytes.begin() + 24);
    }
    return bytes;
  }();
  return profile;
}

std::vector<uint8_t> png_with_srgb_chunk(const std::vector<uint8_t>& png) {
  // Signature (8 bytes), then IHDR: length 13, type, data, CRC = 25 bytes.
  constexpr std::size_t kAfterIhdr = 8 + 25;
  if (png.size() < kAfterIhdr || read_be32(png.data() + 8) != 13) return png;
  std::array<uint8_t, 13> chunk = {0, 0, 0, 1, 's', 'R', 'G', 'B', 0 /* perceptual */};
  write_be32(chunk.data() + 9, png_crc(chunk.data() + 4, 5));  // CRC of type and data
  std::vector<uint8_t> out;
  out.reserve(png.size() + chunk.size());
  out.insert(out.end(), png.begin(), png.begin() + kAfterIhdr);
  out.insert(out.end(), chunk.begin(), chunk.end());
  out.insert(out.end(), png.begin() + kAfterIhdr, png.end());
  return out;
}

std::vector<uint8_t> jpeg_with_srgb_profile(const std::vector<uint8_t>& jpeg) {
  const std::vector<uint8_t>& profile = srgb_icc_profile();
  // One APP2 segment holds up to 65535 - 2 - 14 bytes; Little CMS's sRGB profile is far smaller.
  if (profile.empty() || profile.size() > 65519 || jpeg.size() < 4 || jpeg[0] != 0xFF ||
      jpeg[1] != 0xD8) {
    return jpeg;
  }
  std::size_t insert_at = 2;
  if (jpeg.size() >= 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0) {  // JFIF APP0 stays first
    insert_at = 4 + ((std::size_t(jpeg[4]) << 8) | jpeg[5]);
    if (insert_at > jpeg.size()) return jpeg;
  }
  const std::size_t length = 2 + 14 + profile.size();
  std::vector<uint8_t> segment = {0xFF, 0xE2, uint8_t(length >> 8), uint8_t(length & 0xFF)};
  static const char kSignature[12] = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0};
  segment.insert(segment.end(), kSignature, kSignature + 12);
  segment.push_back(1);  // sequence number
  segment.push_back(1);  // of one segment
  segment.insert(segment.end(), profile.begin(), profile.end());
  std::vector<uint8_t> out;
  out.reserve(jpeg.size() + segment.size());
  out.insert(out.end(), jpeg.begin(), jpeg.begin() + insert_at);
  out.insert(out.end(), segment.begin(), segment.end());
  out.insert(out.end(), jpeg.begin() + insert_at, jpeg.end());
  return out;
}

}  // namespace supercolor
