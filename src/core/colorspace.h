// sRGB <-> CIELab (D65 white, 2-degree observer), the colour space SLIC clusters in.
#pragma once

#include <cstddef>

namespace supercolor {

// rgb: n interleaved sRGB-encoded triples in [0,1]; lab: n triples (L in [0,100], a, b).
void srgb_to_lab(const float* rgb, float* lab, std::size_t n);
// Inverse of srgb_to_lab; results are not clamped (out-of-gamut Lab gives values outside [0,1]).
void lab_to_srgb(const float* lab, float* rgb, std::size_t n);

}  // namespace supercolor
