// supercolor::Error: the single exception type thrown by the core.
// The bindings map `code` to a JS Error with the same code string.
#pragma once

#include <stdexcept>
#include <string>

namespace supercolor {

enum class ErrorCode {
  kInvalidArgument,  // a parameter or buffer is wrong (NaN, out of range, size mismatch...)
  kImageTooLarge,    // dimensions beyond what the core accepts
  kOutOfMemory,      // an allocation failed
  kCancelled,        // the caller's cancellation flag was raised
  kBadState,         // a stage was called before the stages it depends on
  kDecodeFailed,     // io: the bytes are not a decodable image
  kEncodeFailed,     // io: the image could not be encoded / written
  kInvalidLut,       // a LUT (.cube text or Lut value) is malformed; like kDecodeFailed for images
};

// Every code, in declaration order (the package's error-code type is generated from it).
constexpr ErrorCode kErrorCodes[] = {
    ErrorCode::kInvalidArgument, ErrorCode::kImageTooLarge, ErrorCode::kOutOfMemory,
    ErrorCode::kCancelled,       ErrorCode::kBadState,      ErrorCode::kDecodeFailed,
    ErrorCode::kEncodeFailed,    ErrorCode::kInvalidLut,
};

// Debug checks. Parameters are validated once, at the core's boundary: validate_params (params.h),
// called by Pipeline's constructor and update_params. The method's blocks (slic, attention,
// fusion, regrain, grading) then trust the parameters they are given and re-check them only in
// builds with kDebugChecks (SUPERCOLOR_DEBUG_CHECKS, set by the sanitizer presets, or a build
// without NDEBUG), where a bad value still throws Error(kInvalidArgument). Checks of the data
// itself (sizes, non-finite values, buffers) stay in every build.
#if defined(SUPERCOLOR_DEBUG_CHECKS) || !defined(NDEBUG)
inline constexpr bool kDebugChecks = true;
#else
inline constexpr bool kDebugChecks = false;
#endif

// Stable string for an error code ("invalid_argument", "image_too_large", ...).
const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Largest side and pixel count the core accepts: keeps every index in int32 and every
// per-pixel buffer well inside a 4 GB wasm heap.
constexpr int kMaxImageSide = 32768;
constexpr long long kMaxImagePixels = 64LL * 1024 * 1024;

}  // namespace supercolor
