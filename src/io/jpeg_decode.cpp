#include "io/jpeg_decode.h"

// jpeglib.h needs size_t and FILE declared first (libjpeg.txt, "Compilation").
// clang-format off
#include <cstdio>
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <csetjmp>
#include <new>
#include <string>
#include <vector>

#include "core/error.h"

#ifndef JCS_EXTENSIONS
#error "libjpeg-turbo (its JCS_EXT_RGBA output) is needed, not another libjpeg"
#endif

namespace supercolor {
namespace {

// libjpeg reports a fatal error by calling error_exit, which must not return (libjpeg.txt,
// "Error handling"): it longjmps back to the setjmp of the decoding step that was running. A
// longjmp skips destructors, so the functions that call setjmp (read_header, start_decoding,
// read_rows) hold no object with one, and every C++ object of the decode lives in decode_jpeg,
// which a longjmp never leaves. Warnings (corrupt or missing scan data: libjpeg goes on and fills
// in) are counted, the first one kept for the caller's warning list. Fixed-size buffers only: the
// callbacks run inside libjpeg's C frames and must not throw.
struct JpegErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  int error_code;
  char error_message[JMSG_LENGTH_MAX];
  int warning_count;
  char first_warning[JMSG_LENGTH_MAX];
};

JpegErrorManager* manager_of(j_common_ptr cinfo) {
  return reinterpret_cast<JpegErrorManager*>(cinfo->err);
}

void on_error_exit(j_common_ptr cinfo) {
  JpegErrorManager* manager = manager_of(cinfo);
  manager->error_code = cinfo->err->msg_code;
  (*cinfo->err->format_message)(cinfo, manager->error_message);
  std::longjmp(manager->jump, 1);
}

// level < 0: a warning; level >= 0: trace messages, which are not wanted.
void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  JpegErrorManager* manager = manager_of(cinfo);
  if (manager->warning_count == 0) (*cinfo->err->format_message)(cinfo, manager->first_warning);
  ++manager->warning_count;
  ++cinfo->err->num_warnings;
}

// libjpeg's default prints to stderr; a library must not.
void on_output_message(j_common_ptr) {}

// Creates the decompressor and reads the headers up to the first scan. False after a libjpeg
// error (its message in `manager`). No destructors here (see JpegErrorManager).
bool read_header(jpeg_decompress_struct* cinfo, JpegErrorManager* manager, const uint8_t* data,
                 std::size_t size) {
  if (setjmp(manager->jump) != 0) return false;
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  return true;
}

// Chooses the output and starts decompression (which allocates libjpeg's working buffers; a
// progressive JPEG's coefficients among them). ISLOW IDCT and fancy upsampling are libjpeg's
// defaults and what Chromium's decoder uses, set here explicitly so that they stay so.
bool start_decoding(jpeg_decompress_struct* cinfo, JpegErrorManager* manager,
                    J_COLOR_SPACE out_color_space) {
  if (setjmp(manager->jump) != 0) return false;
  cinfo->out_color_space = out_color_space;
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  cinfo->do_block_smoothing = TRUE;  // progressive JPEGs: libjpeg's default, as in Chromium
  jpeg_start_decompress(cinfo);
  return true;
}

// Decodes every scanline straight into `pixels` (rows of `stride` bytes), then finishes.
bool read_rows(jpeg_decompress_struct* cinfo, JpegErrorManager* manager, uint8_t* pixels,
               std::size_t stride) {
  if (setjmp(manager->jump) != 0) return false;
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = pixels + stride * cinfo->output_scanline;
    // A memory source never suspends, so each call returns its row.
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) return false;
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

// Owns the decompressor for decode_jpeg: released on every path, thrown errors included.
struct Decompressor {
  jpeg_decompress_struct cinfo{};
  JpegErrorManager manager{};
  Decompressor() {
    cinfo.err = jpeg_std_error(&manager.pub);
    manager.pub.error_exit = on_error_exit;
    manager.pub.emit_message = on_emit_message;
    manager.pub.output_message = on_output_message;
  }
  ~Decompressor() { jpeg_destroy_decompress(&cinfo); }  // safe after a failed create too
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  [[noreturn]] void fail() const {
    if (manager.error_code == JERR_OUT_OF_MEMORY) {
      throw Error(ErrorCode::kOutOfMemory, "out of memory decoding the JPEG");
    }
    throw Error(ErrorCode::kDecodeFailed,
                std::string("not a decodable JPEG: ") +
                    (manager.error_message[0] != '\0' ? manager.error_message : "no scanlines"));
  }
};

uint16_t read_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Why a JPEG is not decodable by libjpeg-turbo, from its first frame header (ITU T.81 B.1.1.3,
// Table B.1: SOF0 baseline, SOF1 extended and SOF2 progressive with Huffman coding, SOF9 and
// SOF10 with arithmetic coding are read, at 8 bits per sample). libjpeg itself would say only
// "Unsupported JPEG process"; this says what the file is and how to convert it. Empty when the
// coding is one libjpeg reads, or when no frame header is found (libjpeg then says why).
std::string unsupported_jpeg_coding(const uint8_t* data, std::size_t size) {
  const std::string reencode =
      "; re-encode it as a baseline or progressive JPEG (e.g. `jpegtran -outfile fixed.jpg "
      "input.jpg`, which converts losslessly) or convert it to PNG";
  std::size_t pos = 2;
  while (pos + 4 <= size) {
    if (data[pos] != 0xFF) return {};
    const uint8_t marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return {};
    const std::size_t length = read_be16(data + pos + 2);
    if (length < 2 || pos + 2 + length > size) return {};
    // SOFn is 0xC0..0xCF except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      const int precision = length >= 3 ? data[pos + 4] : 8;
      const int type = marker - 0xC0;
      if (type == 3 || type == 11) {
        return "lossless JPEG (SOF" + std::to_string(type) +
               ") is not supported; convert it to PNG (e.g. with ImageMagick or GIMP)";
      }
      if (type >= 5 && type != 9 && type != 10) {
        return std::string(type >= 13 ? "hierarchical arithmetic-coded" : "hierarchical") +
               " JPEG (SOF" + std::to_string(type) + ") is not supported" + reencode;
      }
      if (precision != 8) {
        return std::to_string(precision) +
               "-bit JPEG is not supported (8 bits per sample only); convert it to an 8-bit "
               "JPEG or to PNG";
      }
      return {};
    }
    pos += 2 + length;
  }
  return {};
}

// Inverted CMYK (as Adobe applications write it, and as libjpeg hands it out) to RGB in place,
// R = C·K/255 rounded, as browsers and stb_image do without a CMYK profile; alpha 255.
void inverted_cmyk_to_rgba(std::vector<uint8_t>& pixels) {
  const auto times = [](unsigned a, unsigned b) {
    const unsigned t = a * b + 128;  // a·b/255 rounded (exact for 8-bit a, b)
    return static_cast<uint8_t>((t + (t >> 8)) >> 8);
  };
  for (std::size_t i = 0; i + 3 < pixels.size(); i += 4) {
    const unsigned k = pixels[i + 3];
    pixels[i] = times(pixels[i], k);
    pixels[i + 1] = times(pixels[i + 1], k);
    pixels[i + 2] = times(pixels[i + 2], k);
    pixels[i + 3] = 255;
  }
}

}  // namespace

bool is_jpeg(const uint8_t* data, std::size_t size) {
  return data != nullptr && size >= 2 && data[0] == 0xFF && data[1] == 0xD8;
}

Rgba8Image decode_jpeg(const uint8_t* data, std::size_t size, std::vector<std::string>& warnings) {
  const std::string unsupported = unsupported_jpeg_coding(data, size);
  if (!unsupported.empty()) throw Error(ErrorCode::kDecodeFailed, unsupported);

  Decompressor decompressor;
  jpeg_decompress_struct& cinfo = decompressor.cinfo;
  if (!read_header(&cinfo, &decompressor.manager, data, size)) decompressor.fail();

  const JDIMENSION width = cinfo.image_width, height = cinfo.image_height;
  if (width > JDIMENSION(kMaxImageSide) || height > JDIMENSION(kMaxImageSide) ||
      static_cast<long long>(width) * height > kMaxImagePixels) {
    throw Error(ErrorCode::kImageTooLarge, "image is too large (" + std::to_string(width) + "x" +
                                               std::to_string(height) + "; at most " +
                                               std::to_string(kMaxImageSide) + " px a side and " +
                                               std::to_string(kMaxImagePixels) + " px in all)");
  }
  bool cmyk = false;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
      break;
    case JCS_CMYK:
    case JCS_YCCK:  // libjpeg converts YCCK to CMYK
      cmyk = true;
      break;
    default:
      throw Error(ErrorCode::kDecodeFailed,
                  "JPEG with " + std::to_string(cinfo.num_components) +
                      " colour components in an unknown colour space is not supported; convert "
                      "it to an RGB or greyscale JPEG, or to PNG");
  }
  // RGBA output (libjpeg-turbo's JCS_EXT_RGBA fills alpha with 255), and CMYK, 4 bytes a pixel
  // too, into the same buffer to be converted in place.
  if (!start_decoding(&cinfo, &decompressor.manager, cmyk ? JCS_CMYK : JCS_EXT_RGBA)) {
    decompressor.fail();
  }
  if (cinfo.output_components != 4 || cinfo.output_width != width ||
      cinfo.output_height != height) {
    throw Error(ErrorCode::kDecodeFailed, "unexpected JPEG output layout from libjpeg");
  }

  Rgba8Image image;
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  try {
    image.rgba.resize(4 * std::size_t(width) * height);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::kOutOfMemory, "out of memory decoding the JPEG");
  }
  if (!read_rows(&cinfo, &decompressor.manager, image.rgba.data(), 4 * std::size_t(width))) {
    decompressor.fail();
  }
  if (cmyk) inverted_cmyk_to_rgba(image.rgba);
  if (decompressor.manager.warning_count > 0) {
    warnings.push_back(
        "the JPEG data is corrupt or ends early (libjpeg: \"" +
        std::string(decompressor.manager.first_warning) + "\"" +
        (decompressor.manager.warning_count > 1
             ? " and " + std::to_string(decompressor.manager.warning_count - 1) + " more warnings"
             : std::string()) +
        "); what could be read was decoded, the rest of the image may be grey or "
        "wrong");
  }
  return image;
}

}  // namespace supercolor
