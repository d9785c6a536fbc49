// SLIC superpixels: Achanta, Shaji, Smith, Lucchi, Fua, Susstrunk, "SLIC superpixels compared to
// state-of-the-art superpixel methods", IEEE TPAMI 34(11), 2012 -- the paper's [1], with the
// parameters of method.md §1.1 (K = 3 sqrt(n), m = 10, 10 iterations, connectivity
// enforced).
//
// Determinism: every parallel step works on row chunks whose boundaries depend only on the
// image height and kRowGrain. The assignment step writes disjoint rows and visits the centres in
// index order, so it is exact whatever the schedule; the centre update sums each chunk in raster
// order and reduces the chunk sums in chunk order. The result is therefore bit-identical for
// any ctx.threads.

#include "slic.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "colorspace.h"
#include "error.h"

namespace supercolor {
namespace {

// Rows per parallel chunk: enough work per chunk to amortise scheduling, small enough that a
// 12-megapixel photo still splits into hundreds of chunks for load balancing.
constexpr std::size_t kRowGrain = 16;

// Image in CIELab, one float plane per channel so the distance loop reads contiguous memory.
struct LabPlanes {
  std::vector<float> l, a, b;
};

struct Centre {
  float l, a, b;  // mean colour
  float x, y;     // mean position, in pixels (pixel centres at integer coordinates)
};

// The regular grid of initial centres: cols x rows cells with cols * rows as close to K as
// possible (then cells as square as possible). Achanta et al. space seeds S apart; fitting the
// grid to the image instead keeps the count near K for any aspect ratio and for tiny K (K = 1
// gives one cell, not one per S-wide column of a long thin image).
struct SeedGrid {
  int cols = 1;
  int rows = 1;
  int count() const { return cols * rows; }
};

SeedGrid choose_seed_grid(int width, int height, int requested) {
  const double ideal_cols = std::sqrt(static_cast<double>(requested) * width / height);
  SeedGrid best;
  double best_count_error = std::numeric_limits<double>::infinity();
  double best_aspect_error = std::numeric_limits<double>::infinity();
  for (double candidate : {std::floor(ideal_cols), std::ceil(ideal_cols)}) {
    const int cols = static_cast<int>(
        std::clamp(candidate, 1.0, static_cast<double>(std::min(width, requested))));
    const int rows = static_cast<int>(std::clamp(std::round(static_cast<double>(requested) / cols),
                                                 1.0, static_cast<double>(height)));
    const double count_error = std::abs(static_cast<double>(cols) * rows - requested);
    // |log(cell width / cell height)|: 0 for square cells.
    const double aspect_error = std::abs(
        std::log((static_cast<double>(width) / cols) / (static_cast<double>(height) / rows)));
    if (count_error < best_count_error ||
        (count_error == best_count_error && aspect_error < best_aspect_error)) {
      best = {cols, rows};
      best_count_error = count_error;
      best_aspect_error = aspect_error;
    }
  }
  return best;
}

LabPlanes convert_to_lab(const RgbImage& image, const Context& ctx) {
  const std::size_t width = static_cast<std::size_t>(image.width);
  const std::size_t n = image.pixel_count();
  LabPlanes lab{std::vector<float>(n), std::vector<float>(n), std::vector<float>(n)};
  parallel_for(ctx, 0, static_cast<std::size_t>(image.height), kRowGrain,
               [&](std::size_t row_begin, std::size_t row_end) {
                 // Convert through a small stack buffer, then split into planes.
                 constexpr std::size_t kBlock = 256;
                 float interleaved[3 * kBlock];
                 const std::size_t end = row_end * width;
                 for (std::size_t p = row_begin * width; p < end; p += kBlock) {
                   const std::size_t count = std::min(kBlock, end - p);
                   srgb_to_lab(&image.rgb[3 * p], interleaved, count);
                   for (std::size_t i = 0; i < count; ++i) {
                     lab.l[p + i] = interleaved[3 * i];
                     lab.a[p + i] = interleaved[3 * i + 1];
                     lab.b[p + i] = interleaved[3 * i + 2];
                   }
                 }
               });
  return lab;
}

// Squared Lab gradient magnitude at (x, y) with clamped borders, for seed perturbation.
float lab_gradient(const LabPlanes& lab, int width, int height, int x, int y) {
  const std::size_t left = static_cast<std::size_t>(y) * width + std::max(x - 1, 0);
  const std::size_t right = static_cast<std::size_t>(y) * width + std::min(x + 1, width - 1);
  const std::size_t up = static_cast<std::size_t>(std::max(y - 1, 0)) * width + x;
  const std::size_t down = static_cast<std::size_t>(std::min(y + 1, height - 1)) * width + x;
  const auto squared = [](float v) { return v * v; };
  return squared(lab.l[right] - lab.l[left]) + squared(lab.a[right] - lab.a[left]) +
         squared(lab.b[right] - lab.b[left]) + squared(lab.l[down] - lab.l[up]) +
         squared(lab.a[down] - lab.a[up]) + squared(lab.b[down] - lab.b[up]);
}

// Initial centres at the grid cells' centre pixels, each moved to the lowest-gradient pixel of
// its 3x3 neighbourhood so that no seed starts on an edge or a noisy pixel (Achanta et al.,
// Algorithm 1). Initial labels are the grid cells, so every pixel has a valid label even if no
// search window ever reaches it.
std::vector<Centre> seed_centres(const LabPlanes& lab, int width, int height, const SeedGrid& grid,
                                 std::vector<int32_t>& labels) {
  std::vector<Centre> centres;
  centres.reserve(static_cast<std::size_t>(grid.count()));
  for (int row = 0; row < grid.rows; ++row) {
    const int seed_y = static_cast<int>((2LL * row + 1) * height / (2LL * grid.rows));
    for (int col = 0; col < grid.cols; ++col) {
      const int seed_x = static_cast<int>((2LL * col + 1) * width / (2LL * grid.cols));
      int best_x = seed_x, best_y = seed_y;
      float best_gradient = lab_gradient(lab, width, height, seed_x, seed_y);
      for (int y = std::max(seed_y - 1, 0); y <= std::min(seed_y + 1, height - 1); ++y) {
        for (int x = std::max(seed_x - 1, 0); x <= std::min(seed_x + 1, width - 1); ++x) {
          const float gradient = lab_gradient(lab, width, height, x, y);
          if (gradient < best_gradient) {
            best_gradient = gradient;
            best_x = x;
            best_y = y;
          }
        }
      }
      const std::size_t p = static_cast<std::size_t>(best_y) * width + best_x;
      centres.push_back(
          {lab.l[p], lab.a[p], lab.b[p], static_cast<float>(best_x), static_cast<float>(best_y)});
    }
  }
  for (int y = 0; y < height; ++y) {
    const int row = static_cast<int>(static_cast<long long>(y) * grid.rows / height);
    for (int x = 0; x < width; ++x) {
      const int col = static_cast<int>(static_cast<long long>(x) * grid.cols / width);
      labels[static_cast<std::size_t>(y) * width + x] = row * grid.cols + col;
    }
  }
  return centres;
}

// The pieces of one SLIC run shared by its steps.
struct SlicState {
  int width = 0;
  int height = 0;
  float radius_x = 0;        // half-width of the search window
  float radius_y = 0;        // half-height of the search window
  float spatial_weight = 0;  // (m / S)^2
  std::vector<Centre> centres;
  std::vector<int32_t> labels;
  std::vector<float> distance;  // squared distance to the assigned centre, this iteration
  // Centres whose window meets each row chunk, in centre order (CSR layout).
  std::vector<std::size_t> chunk_centre_offsets;
  std::vector<int32_t> chunk_centres;
  // Per-chunk sums for the update step: [label - first label][l, a, b, x, y, count].
  std::vector<std::vector<double>> chunk_sums;
  std::vector<int32_t> chunk_first_label;
};

inline int window_begin(float centre, float radius) {
  return static_cast<int>(std::ceil(centre - radius));
}
inline int window_end(float centre, float radius) {  // inclusive
  return static_cast<int>(std::floor(centre + radius));
}

// Lists, for every row chunk, the centres whose search window overlaps it.
void index_centres_by_chunk(SlicState& state, std::size_t chunks) {
  std::vector<std::size_t>& offsets = state.chunk_centre_offsets;
  offsets.assign(chunks + 1, 0);
  const auto chunk_span = [&](const Centre& centre, std::size_t& first, std::size_t& last) {
    const int y0 = std::max(window_begin(centre.y, state.radius_y), 0);
    const int y1 = std::min(window_end(centre.y, state.radius_y), state.height - 1);
    if (y0 > y1) return false;
    first = static_cast<std::size_t>(y0) / kRowGrain;
    last = static_cast<std::size_t>(y1) / kRowGrain;
    return true;
  };
  std::size_t first = 0, last = 0;
  for (const Centre& centre : state.centres) {
    if (!chunk_span(centre, first, last)) continue;
    for (std::size_t chunk = first; chunk <= last; ++chunk) ++offsets[chunk + 1];
  }
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) offsets[chunk + 1] += offsets[chunk];
  state.chunk_centres.resize(offsets[chunks]);
  std::vector<std::size_t> fill(offsets.begin(), offsets.end() - 1);
  for (std::size_t k = 0; k < state.centres.size(); ++k) {
    if (!chunk_span(state.centres[k], first, last)) continue;
    for (std::size_t chunk = first; chunk <= last; ++chunk) {
      state.chunk_centres[fill[chunk]++] = static_cast<int32_t>(k);
    }
  }
}

// Assignment step: each pixel goes to the nearest centre (D^2 = d_lab^2 + (d_xy/S)^2 m^2) among
// those whose 2S x 2S window contains it. Pixels no window reaches keep their previous label,
// as in the reference implementation.
void assign_pixels(SlicState& state, const LabPlanes& lab, const Context& ctx) {
  const std::size_t width = static_cast<std::size_t>(state.width);
  const std::size_t chunks = chunk_count(0, static_cast<std::size_t>(state.height), kRowGrain);
  index_centres_by_chunk(state, chunks);
  parallel_for_chunks(
      ctx, 0, static_cast<std::size_t>(state.height), kRowGrain,
      [&](std::size_t chunk, std::size_t row_begin, std::size_t row_end) {
        const float spatial_weight = state.spatial_weight;
        std::fill(state.distance.begin() + row_begin * width,
                  state.distance.begin() + row_end * width, std::numeric_limits<float>::max());
        for (std::size_t i = state.chunk_centre_offsets[chunk];
             i < state.chunk_centre_offsets[chunk + 1]; ++i) {
          const int32_t k = state.chunk_centres[i];
          const Centre c = state.centres[static_cast<std::size_t>(k)];
          const int x0 = std::max(window_begin(c.x, state.radius_x), 0);
          const int x1 = std::min(window_end(c.x, state.radius_x), state.width - 1);
          const int y0 = std::max(window_begin(c.y, state.radius_y), static_cast<int>(row_begin));
          const int y1 = std::min(window_end(c.y, state.radius_y), static_cast<int>(row_end) - 1);
          for (int y = y0; y <= y1; ++y) {
            const std::size_t row = static_cast<std::size_t>(y) * width;
            const float* l = &lab.l[row];
            const float* a = &lab.a[row];
            const float* b = &lab.b[row];
            float* distance = &state.distance[row];
            int32_t* labels = &state.labels[row];
            const float dy = static_cast<float>(y) - c.y;
            const float dy2 = dy * dy;
            for (int x = x0; x <= x1; ++x) {
              const float dl = l[x] - c.l, da = a[x] - c.a, db = b[x] - c.b;
              const float dx = static_cast<float>(x) - c.x;
              const float d = dl * dl + da * da + db * db + (dx * dx + dy2) * spatial_weight;
              // Branch-free: unconditional stores and a bit-mask select, the form GCC and
              // clang both vectorise (a ternary on the label alone defeats GCC).
              const float previous = distance[x];
              const int32_t closer_mask = -static_cast<int32_t>(d < previous);
              distance[x] = d < previous ? d : previous;
              labels[x] = (k & closer_mask) | (labels[x] & ~closer_mask);
            }
          }
        }
      });
}

// Update step: each centre moves to the mean colour and position of its pixels (weighted by
// `coverage` when it is not null). A centre that lost all its pixels (or all its visible ones)
// stays where it was (its label then simply disappears).
void update_centres(SlicState& state, const LabPlanes& lab, const float* coverage,
                    const Context& ctx) {
  const std::size_t width = static_cast<std::size_t>(state.width);
  const std::size_t chunks = chunk_count(0, static_cast<std::size_t>(state.height), kRowGrain);
  state.chunk_sums.resize(chunks);
  state.chunk_first_label.resize(chunks);
  constexpr std::size_t kStride = 6;
  parallel_for_chunks(
      ctx, 0, static_cast<std::size_t>(state.height), kRowGrain,
      [&](std::size_t chunk, std::size_t row_begin, std::size_t row_end) {
        // Labels in a row band come from centres near it, a narrow index range since centres
        // are numbered in grid order: sum densely over [min label, max label].
        const auto first = state.labels.begin() + static_cast<std::ptrdiff_t>(row_begin * width);
        const auto last = state.labels.begin() + static_cast<std::ptrdiff_t>(row_end * width);
        const auto [min_it, max_it] = std::minmax_element(first, last);
        const int32_t min_label = *min_it;
        std::vector<double>& sums = state.chunk_sums[chunk];
        sums.assign(static_cast<std::size_t>(*max_it - min_label + 1) * kStride, 0.0);
        state.chunk_first_label[chunk] = min_label;
        for (std::size_t y = row_begin; y < row_end; ++y) {
          const std::size_t row = y * width;
          // Labels come in runs along a row: sum each run in registers, then add it once.
          if (coverage != nullptr) {
            // Weighted: pixel by pixel (the runs' closed-form sums of x do not apply).
            for (std::size_t x = 0; x < width; ++x) {
              const std::size_t p = row + x;
              const double w = coverage[p];
              double* s = &sums[static_cast<std::size_t>(state.labels[p] - min_label) * kStride];
              s[0] += w * lab.l[p];
              s[1] += w * lab.a[p];
              s[2] += w * lab.b[p];
              s[3] += w * static_cast<double>(x);
              s[4] += w * static_cast<double>(y);
              s[5] += w;
            }
            continue;
          }
          std::size_t run_begin = 0;
          while (run_begin < width) {
            const int32_t label = state.labels[row + run_begin];
            double l = 0, a = 0, b = 0;
            std::size_t run_end = run_begin;
            for (; run_end < width && state.labels[row + run_end] == label; ++run_end) {
              l += lab.l[row + run_end];
              a += lab.a[row + run_end];
              b += lab.b[row + run_end];
            }
            const double length = static_cast<double>(run_end - run_begin);
            double* s = &sums[static_cast<std::size_t>(label - min_label) * kStride];
            s[0] += l;
            s[1] += a;
            s[2] += b;
            // Sum of x over the run, exact in double.
            s[3] += 0.5 * length * static_cast<double>(run_begin + run_end - 1);
            s[4] += length * static_cast<double>(y);
            s[5] += length;
            run_begin = run_end;
          }
        }
      });
  // Reduce in chunk order so the totals do not depend on which thread summed which chunk.
  std::vector<double> totals(state.centres.size() * kStride, 0.0);
  for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
    const std::vector<double>& sums = state.chunk_sums[chunk];
    double* target = &totals[static_cast<std::size_t>(state.chunk_first_label[chunk]) * kStride];
    for (std::size_t i = 0; i < sums.size(); ++i) target[i] += sums[i];
  }
  for (std::size_t k = 0; k < state.centres.size(); ++k) {
    const double* t = &totals[k * kStride];
    if (t[5] == 0.0) continue;
    state.centres[k] = {static_cast<float>(t[0] / t[5]), static_cast<float>(t[1] / t[5]),
                        static_cast<float>(t[2] / t[5]), static_cast<float>(t[3] / t[5]),
                        static_cast<float>(t[4] / t[5])};
  }
}

// Connectivity enforcement (the last step of Achanta et al.'s Algorithm 1; the rule of their
// reference code):
// every 4-connected fragment smaller than a quarter of the mean superpixel size merges into the
// fragment to the left of (else above) its first pixel in raster order; then labels are renumbered
// 0..count-1 in raster order of first appearance. Unlike the reference code this never gives one
// label to two disconnected pieces: merges only chain through adjacent fragments, and the one
// fragment with no left/upper neighbour (the one holding pixel 0) is handled separately.
int enforce_connectivity(std::vector<int32_t>& labels, int width, int grid_count,
                         const Context& ctx) {
  const std::size_t n = labels.size();
  const std::size_t w = static_cast<std::size_t>(width);
  std::vector<int32_t> fragment(n, -1);
  std::vector<int32_t> fragment_size;
  std::vector<int32_t> merge_target;  // earlier adjacent fragment, -1 for fragment 0
  std::vector<uint32_t> stack;        // n <= kMaxImagePixels fits in 32 bits
  for (std::size_t start = 0; start < n; ++start) {
    if ((start & 0xFFFF) == 0) ctx.check_cancelled();
    if (fragment[start] >= 0) continue;
    const int32_t id = static_cast<int32_t>(fragment_size.size());
    const int32_t label = labels[start];
    // start is the fragment's first pixel in raster order, so its left and upper neighbours are
    // already in earlier fragments.
    const std::size_t start_x = start % w;
    merge_target.push_back(start_x > 0  ? fragment[start - 1]
                           : start >= w ? fragment[start - w]
                                        : -1);
    int32_t size = 0;
    fragment[start] = id;
    stack.push_back(static_cast<uint32_t>(start));
    while (!stack.empty()) {
      const std::size_t p = stack.back();
      stack.pop_back();
      ++size;
      const std::size_t x = p % w;
      const auto visit = [&](std::size_t q) {
        if (fragment[q] < 0 && labels[q] == label) {
          fragment[q] = id;
          stack.push_back(static_cast<uint32_t>(q));
        }
      };
      if (x > 0) visit(p - 1);
      if (x + 1 < w) visit(p + 1);
      if (p >= w) visit(p - w);
      if (p + w < n) visit(p + w);
    }
    fragment_size.push_back(size);
  }

  const std::size_t fragments = fragment_size.size();
  // Smaller than a quarter of the mean superpixel size n / grid_count.
  const auto is_small = [&](std::size_t f) {
    return 4LL * fragment_size[f] * grid_count < static_cast<long long>(n);
  };
  // group[f]: the fragment whose label f finally takes. Targets are earlier fragments, already
  // resolved, so one forward pass suffices; each group stays 4-connected.
  std::vector<int32_t> group(fragments);
  for (std::size_t f = 0; f < fragments; ++f) {
    group[f] =
        (is_small(f) && merge_target[f] >= 0) ? group[merge_target[f]] : static_cast<int32_t>(f);
  }
  // Fragment 0 has nothing before it: if it is small, its whole group joins the group of the
  // first pixel in raster order that touches it from outside.
  if (fragments > 1 && is_small(0)) {
    int32_t neighbour_group = -1;
    for (std::size_t p = 0; p < n && neighbour_group < 0; ++p) {
      if (group[fragment[p]] != 0) continue;
      const std::size_t x = p % w;
      const auto consider = [&](std::size_t q) {
        if (neighbour_group < 0 && group[fragment[q]] != 0) neighbour_group = group[fragment[q]];
      };
      if (x + 1 < w) consider(p + 1);
      if (p + w < n) consider(p + w);
      if (x > 0) consider(p - 1);
      if (p >= w) consider(p - w);
    }
    if (neighbour_group >= 0) {
      for (int32_t& g : group) {
        if (g == 0) g = neighbour_group;
      }
    }
  }

  // Renumber in raster order of first appearance.
  std::vector<int32_t> final_label(fragments, -1);
  int32_t count = 0;
  for (std::size_t p = 0; p < n; ++p) {
    int32_t& label = final_label[static_cast<std::size_t>(group[fragment[p]])];
    if (label < 0) label = count++;
    labels[p] = label;
  }
  return count;
}

}  // namespace

int slic_requested_superpixels(const SlicParams& params, long long pixel_count) {
  if (params.superpixels != 0) return params.superpixels;
  // method.md §1.1 / paper section 4.1: K = 3 sqrt(n), at most one superpixel per pixel (tiny
  // images) and at least one.
  const long long k =
      std::llround(3.0 * std::sqrt(static_cast<double>(std::max(pixel_count, 0LL))));
  return static_cast<int>(std::clamp(k, 1LL, std::max(pixel_count, 1LL)));
}

void validate_slic_params(const SlicParams& params, long long pixel_count) {
  // A negative count means "no image yet": only the image-independent checks run.
  if (pixel_count == 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "SLIC needs a non-empty image (pixel count " + std::to_string(pixel_count) + ")");
  }
  if (params.superpixels < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "SLIC superpixels = " + std::to_string(params.superpixels) +
                    " is negative (0 means the default 3*sqrt(n))");
  }
  if (pixel_count >= 0 && params.superpixels > pixel_count) {
    throw Error(ErrorCode::kInvalidArgument,
                "SLIC superpixels = " + std::to_string(params.superpixels) +
                    " exceeds the pixel count " + std::to_string(pixel_count));
  }
  if (!std::isfinite(params.compactness) || params.compactness <= 0.0f) {
    throw Error(ErrorCode::kInvalidArgument,
                "SLIC compactness = " + std::to_string(params.compactness) +
                    " must be finite and positive");
  }
  if (params.iterations < 1) {
    throw Error(ErrorCode::kInvalidArgument,
                "SLIC iterations = " + std::to_string(params.iterations) + " must be at least 1");
  }
}

Segmentation slic(const RgbImage& image, const SlicParams& params, const Context& ctx,
                  const std::vector<float>* coverage) {
  validate_image(image, "SLIC input");
  const long long n = static_cast<long long>(image.pixel_count());
  // Parameters were validated at the boundary (validate_params, and K against each image's
  // pixel count by Pipeline); see kDebugChecks.
  if constexpr (kDebugChecks) validate_slic_params(params, n);
  if (coverage != nullptr && !coverage->empty() &&
      coverage->size() != static_cast<std::size_t>(n)) {
    throw Error(ErrorCode::kInvalidArgument, "SLIC coverage holds " +
                                                 std::to_string(coverage->size()) + " values for " +
                                                 std::to_string(n) + " pixels");
  }
  const float* weights = coverage != nullptr && !coverage->empty() ? coverage->data() : nullptr;
  ctx.check_cancelled();

  const int requested = slic_requested_superpixels(params, n);
  const SeedGrid grid = choose_seed_grid(image.width, image.height, requested);
  // Grid interval S = sqrt(n / K) normalises the spatial distance in the SLIC distance measure.
  const double step = std::sqrt(static_cast<double>(n) / requested);

  const LabPlanes lab = convert_to_lab(image, ctx);
  SlicState state;
  state.width = image.width;
  state.height = image.height;
  // The 2S x 2S window; widened where the fitted grid's cells are longer than S (long thin
  // images, tiny K), so that it always reaches the neighbouring seeds, as it does in the
  // reference implementation where the seed spacing equals the window radius.
  state.radius_x = static_cast<float>(std::max(step, static_cast<double>(image.width) / grid.cols));
  state.radius_y =
      static_cast<float>(std::max(step, static_cast<double>(image.height) / grid.rows));
  state.spatial_weight = static_cast<float>(static_cast<double>(params.compactness) *
                                            params.compactness / (step * step));
  state.labels.resize(static_cast<std::size_t>(n));
  state.distance.resize(static_cast<std::size_t>(n));
  state.centres = seed_centres(lab, image.width, image.height, grid, state.labels);

  for (int iteration = 0; iteration < params.iterations; ++iteration) {
    ctx.check_cancelled();
    assign_pixels(state, lab, ctx);
    // The last assignment is the result; moving the centres once more would be wasted work.
    if (iteration + 1 < params.iterations) update_centres(state, lab, weights, ctx);
  }
  ctx.check_cancelled();

  Segmentation segmentation;
  segmentation.width = image.width;
  segmentation.height = image.height;
  segmentation.count = enforce_connectivity(state.labels, image.width, grid.count(), ctx);
  segmentation.labels = std::move(state.labels);
  return segmentation;
}

}  // namespace supercolor
