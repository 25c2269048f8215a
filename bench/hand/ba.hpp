// Hand-written ADBench BA residual of one observation (FORMATS.md 1.2) and its dense
// 3 x 15 Jacobian by p = (r[3], C[3], f, x0[2], kappa[2], X[3], w), written as the
// chain rule by hand: rotation matrix R and dXc/dr, then the projection's 2 x 3
// derivative M, so dres/dX = w M R, dres/dC = -w M R, dres/dr = w M dXc/dr.
#pragma once

#include <cmath>

namespace hand {

// res[0..1] = w (proj - feat), res[2] = 1 - w^2.
template <class T> void ba_residual(const T* p, const double* feat, T* res) {
    using std::cos, std::sin, std::sqrt;
    const T* r = p;
    T Xo[3], Xc[3];
    for (int i = 0; i < 3; ++i)
        Xo[i] = p[11 + i] - p[3 + i];
    const T theta2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    if (theta2 != 0.0) {
        const T theta = sqrt(theta2);
        const T c = cos(theta), s = sin(theta);
        const T v[3] = {r[0] / theta, r[1] / theta, r[2] / theta};
        const T cross[3] = {v[1] * Xo[2] - v[2] * Xo[1], v[2] * Xo[0] - v[0] * Xo[2],
                            v[0] * Xo[1] - v[1] * Xo[0]};
        const T tmp = (v[0] * Xo[0] + v[1] * Xo[1] + v[2] * Xo[2]) * (1.0 - c);
        for (int i = 0; i < 3; ++i)
            Xc[i] = Xo[i] * c + cross[i] * s + v[i] * tmp;
    } else {
        const T cross[3] = {r[1] * Xo[2] - r[2] * Xo[1], r[2] * Xo[0] - r[0] * Xo[2],
                            r[0] * Xo[1] - r[1] * Xo[0]};
        for (int i = 0; i < 3; ++i)
            Xc[i] = Xo[i] + cross[i];
    }
    const T px = Xc[0] / Xc[2], py = Xc[1] / Xc[2];
    const T rsq = px * px + py * py;
    const T Ld = 1.0 + p[9] * rsq + p[10] * rsq * rsq;
    const T w = p[14];
    res[0] = w * (px * Ld * p[6] + p[7] - feat[0]);
    res[1] = w * (py * Ld * p[6] + p[8] - feat[1]);
    res[2] = 1.0 - w * w;
}

// res as above and J[3][15] row-major.
inline void ba_jacobian(const double* p, const double* feat, double* res, double* J) {
    const double* r = p;
    double Xo[3], Xc[3], R[3][3], dr[3][3]; // R = dXc/dXo, dr[i][k] = dXc_i / dr_k
    for (int i = 0; i < 3; ++i)
        Xo[i] = p[11 + i] - p[3 + i];
    const double theta2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    if (theta2 != 0.0) {
        const double theta = std::sqrt(theta2), inv = 1.0 / theta;
        const double c = std::cos(theta), s = std::sin(theta), c1 = 1.0 - c;
        const double v[3] = {r[0] * inv, r[1] * inv, r[2] * inv};
        const double vxX[3] = {v[1] * Xo[2] - v[2] * Xo[1], v[2] * Xo[0] - v[0] * Xo[2],
                               v[0] * Xo[1] - v[1] * Xo[0]};
        const double a = v[0] * Xo[0] + v[1] * Xo[1] + v[2] * Xo[2];
        for (int i = 0; i < 3; ++i)
            Xc[i] = Xo[i] * c + vxX[i] * s + v[i] * a * c1;
        // R = c I + s [v]x + (1 - c) v v^T
        R[0][0] = c + c1 * v[0] * v[0];
        R[1][1] = c + c1 * v[1] * v[1];
        R[2][2] = c + c1 * v[2] * v[2];
        R[0][1] = c1 * v[0] * v[1] - s * v[2];
        R[1][0] = c1 * v[0] * v[1] + s * v[2];
        R[0][2] = c1 * v[0] * v[2] + s * v[1];
        R[2][0] = c1 * v[0] * v[2] - s * v[1];
        R[1][2] = c1 * v[1] * v[2] - s * v[0];
        R[2][1] = c1 * v[1] * v[2] + s * v[0];
        // dtheta/dr_k = v_k, dv/dr_k = (e_k - v v_k) / theta:
        // dXc/dr_k = v_k (-s Xo + c vxX + s a v) + s (dv_k x Xo) + c1 ((dv_k . Xo) v + a dv_k)
        for (int k = 0; k < 3; ++k) {
            double dv[3];
            for (int i = 0; i < 3; ++i)
                dv[i] = ((i == k ? 1.0 : 0.0) - v[i] * v[k]) * inv;
            const double dvxX[3] = {dv[1] * Xo[2] - dv[2] * Xo[1], dv[2] * Xo[0] - dv[0] * Xo[2],
                                    dv[0] * Xo[1] - dv[1] * Xo[0]};
            const double da = dv[0] * Xo[0] + dv[1] * Xo[1] + dv[2] * Xo[2];
            for (int i = 0; i < 3; ++i)
                dr[i][k] = v[k] * (-s * Xo[i] + c * vxX[i] + s * a * v[i]) + s * dvxX[i] +
                           c1 * (da * v[i] + a * dv[i]);
        }
    } else { // Xc = Xo + r x Xo: R = I + [r]x, dXc/dr_k = e_k x Xo
        Xc[0] = Xo[0] + r[1] * Xo[2] - r[2] * Xo[1];
        Xc[1] = Xo[1] + r[2] * Xo[0] - r[0] * Xo[2];
        Xc[2] = Xo[2] + r[0] * Xo[1] - r[1] * Xo[0];
        R[0][0] = R[1][1] = R[2][2] = 1.0;
        R[0][1] = -r[2];
        R[1][0] = r[2];
        R[0][2] = r[1];
        R[2][0] = -r[1];
        R[1][2] = -r[0];
        R[2][1] = r[0];
        dr[0][0] = 0.0, dr[0][1] = Xo[2], dr[0][2] = -Xo[1];
        dr[1][0] = -Xo[2], dr[1][1] = 0.0, dr[1][2] = Xo[0];
        dr[2][0] = Xo[1], dr[2][1] = -Xo[0], dr[2][2] = 0.0;
    }
    const double iz = 1.0 / Xc[2];
    const double pp[2] = {Xc[0] * iz, Xc[1] * iz};
    const double rsq = pp[0] * pp[0] + pp[1] * pp[1];
    const double k1 = p[9], k2 = p[10], f = p[6], w = p[14];
    const double Ld = 1.0 + k1 * rsq + k2 * rsq * rsq;
    const double dLd = 2.0 * (k1 + 2.0 * k2 * rsq); // dLd/dp = dLd * p
    const double proj[2] = {pp[0] * Ld * f + p[7], pp[1] * Ld * f + p[8]};
    // M = w d proj / d Xc = w f (Ld I + dLd p p^T) (dp/dXc), dp/dXc = [I/z | -p/z]
    double M[2][3];
    for (int a = 0; a < 2; ++a) {
        const double A0 = w * f * ((a == 0 ? Ld : 0.0) + dLd * pp[a] * pp[0]);
        const double A1 = w * f * ((a == 1 ? Ld : 0.0) + dLd * pp[a] * pp[1]);
        M[a][0] = A0 * iz;
        M[a][1] = A1 * iz;
        M[a][2] = -(A0 * pp[0] + A1 * pp[1]) * iz;
    }
    for (int a = 0; a < 2; ++a) {
        double* row = J + a * 15;
        for (int k = 0; k < 3; ++k) {
            row[k] = M[a][0] * dr[0][k] + M[a][1] * dr[1][k] + M[a][2] * dr[2][k];
            const double mr = M[a][0] * R[0][k] + M[a][1] * R[1][k] + M[a][2] * R[2][k];
            row[3 + k] = -mr;
            row[11 + k] = mr;
        }
        row[6] = w * pp[a] * Ld;
        row[7] = a == 0 ? w : 0.0;
        row[8] = a == 1 ? w : 0.0;
        row[9] = w * f * pp[a] * rsq;
        row[10] = w * f * pp[a] * rsq * rsq;
        row[14] = proj[a] - feat[a];
        res[a] = w * (proj[a] - feat[a]);
    }
    double* last = J + 30;
    for (int k = 0; k < 14; ++k)
        last[k] = 0.0;
    last[14] = -2.0 * w;
    res[2] = 1.0 - w * w;
}

} // namespace hand
