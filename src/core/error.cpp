#include "error.h"

namespace supercolor {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kImageTooLarge:
      return "image_too_large";
    case ErrorCode::kOutOfMemory:
      return "out_of_memory";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kBadState:
      return "bad_state";
    case ErrorCode::kDecodeFailed:
      return "decode_failed";
    case ErrorCode::kEncodeFailed:
      return "encode_failed";
    case ErrorCode::kInvalidLut:
      return "invalid_lut";
  }
  return "unknown";
}

}  // namespace supercolor
