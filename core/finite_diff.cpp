// Central finite differences and their verdict (finite_diff.hpp).
#include "core/finite_diff.hpp"

#include <limits>

namespace symdiff {

std::vector<FdEstimate> central_estimates(const Tensor& f0, const Tensor& fp, const Tensor& fm,
                                          const Tensor& hp, const Tensor& hm, double h,
                                          const FdOptions& opt) {
    const double eps = std::numeric_limits<double>::epsilon();
    std::vector<FdEstimate> out(f0.size());
    for (std::size_t i = 0; i < f0.size(); ++i) {
        const double v[5] = {f0[i], fp[i], fm[i], hp[i], hm[i]};
        bool finite = true;
        double scale = 0.0;
        for (double x : v) {
            finite = finite && std::isfinite(x);
            scale = std::max(scale, std::fabs(x));
        }
        const double d1 = (fp[i] - fm[i]) / (2 * h);
        const double d2 = (hp[i] - hm[i]) / h;
        const double s1 = (fp[i] - 2 * f0[i] + fm[i]) / (h * h);
        const double s2 = (hp[i] - 2 * f0[i] + hm[i]) / (h * h / 4);
        // Rounding in s2 and d2, generously.
        const double s_noise = 64 * eps * scale / (h * h), d_noise = 16 * eps * scale / h;
        const bool curvature_agrees =
            std::fabs(s1 - s2) <=
            opt.curvature_floor + opt.curvature_rel * (std::fabs(s1) + std::fabs(s2)) + s_noise;
        const bool slope_agrees =
            std::fabs(d1 - d2) <=
            opt.slope_floor + opt.slope_rel * (std::fabs(d1) + std::fabs(d2)) + d_noise;
        out[i].value = (4 * d2 - d1) / 3;
        out[i].noise = d_noise;
        out[i].reliable = finite && curvature_agrees && slope_agrees && std::isfinite(out[i].value);
    }
    return out;
}

} // namespace symdiff
