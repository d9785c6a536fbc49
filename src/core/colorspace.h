// sRGB <-> CIELab (D65 white, 2-degree observer), the colour space SLIC clusters in, and the
// CIEDE2000 colour difference used to report how close two colourings are.
#pragma once

#include <cstddef>

namespace supercolor {

// rgb: n interleaved sRGB-encoded triples in [0,1]; lab: n triples (L in [0,100], a, b).
void srgb_to_lab(const float* rgb, float* lab, std::size_t n);
// Inverse of srgb_to_lab; results are not clamped (out-of-gamut Lab gives values outside [0,1]).
void lab_to_srgb(const float* lab, float* rgb, std::size_t n);

// Like lab_to_srgb, but a colour outside the sRGB gamut is brought inside by scaling its a*, b*
// toward 0 at fixed L* and hue (bisection to ~1e-6 of the gamut boundary), then clamped to
// [0,1]. L* is kept because the neutral axis (a* = b* = 0) is inside the gamut at every
// L* in [0,100] (L* itself is clamped to that range): clamping the channels instead would
// change the lightness, by several L* units on saturated dark colours. Output in [0,1].
void lab_to_srgb_gamut_mapped(const float* lab, float* rgb, std::size_t n);

// CIEDE2000 colour difference between two CIELab colours (CIE 142-2001, with kL = kC = kH = 1),
// computed in float64 exactly as Sharma, Wu, Dalal, "The CIEDE2000 color-difference formula:
// implementation notes, supplementary test data, and mathematical observations" (Color Research
// and Application 30(1), 2005), eq. 1-22. Symmetric; 0 for equal colours; about 1 for a just
// noticeable difference.
double delta_e2000(const float* lab1, const float* lab2);

// Per-pixel CIEDE2000 between two sRGB images of n interleaved pixels (values in [0,1]):
// out[i] = delta_e2000(Lab(rgb1[i]), Lab(rgb2[i])).
void delta_e2000_srgb(const float* rgb1, const float* rgb2, float* out, std::size_t n);

}  // namespace supercolor
