// .cube LUT files as text (no file I/O here): Adobe Cube LUT Specification 1.0 (2013), plus the
// LUT_1D_INPUT_RANGE / LUT_3D_INPUT_RANGE lines DaVinci Resolve writes.
//
// Accepted, one item per line (leading/trailing blanks and CR of CRLF ignored):
//   # comment                         (whole-line comments; blank lines are skipped)
//   TITLE "text"                      (at most once; unquoted text is accepted too)
//   LUT_1D_SIZE N  (2..65536)  or  LUT_3D_SIZE N  (2..256)   exactly one of them
//   DOMAIN_MIN r g b / DOMAIN_MAX r g b        (default 0 0 0 / 1 1 1; min < max per channel)
//   LUT_1D_INPUT_RANGE lo hi / LUT_3D_INPUT_RANGE lo hi   (Resolve: the same domain for all
//                                     channels; not together with DOMAIN_*)
//   then exactly N (1D) or N^3 (3D) data lines "r g b" of finite numbers, red index fastest.
// Every keyword must come before the first data line (as the specification requires).
#pragma once

#include <string>

#include "lut.h"

namespace supercolor {

// Parses .cube text. Throws Error(kInvalidLut) with a message naming the line ("cube line 12:
// expected 3 numbers, got 2") for: no size line, a bad size, both 1D and 3D sizes, unknown or
// repeated keywords, keywords after data, non-numeric / NaN / infinite values, too few or too
// many data lines, DOMAIN_MIN not below DOMAIN_MAX, DOMAIN_* together with *_INPUT_RANGE.
Lut parse_cube(const std::string& text);

// .cube text of a LUT (validate_lut first): TITLE, the size line, DOMAIN_MIN/MAX, then the
// values with 6 decimals (what Resolve writes), red fastest. Throws Error(kInvalidLut).
// parse_cube(write_cube(lut)) equals lut within 5e-7 per value.
std::string write_cube(const Lut& lut);

}  // namespace supercolor
