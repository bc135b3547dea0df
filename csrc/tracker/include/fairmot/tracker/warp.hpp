// Camera-motion compensation of Kalman states (opt-in; the official tracker has none).
//
// A warp is a 2x3 affine A = [L | t] (row-major, 6 doubles) that maps pixel coordinates of the
// previous frame to the current frame: p_cur = L p_prev + t. It moves an 8-D state
// (cx, cy, a, h, vcx, vcy, va, vh) of docs/official_behaviour.md §4.5 as follows, with
// s = sqrt(|det L|) the linear part's area scale:
//   (cx, cy)   -> L (cx, cy) + t      centre: the full affine
//   a          -> a                   aspect w / h: kept (a similarity keeps it exactly)
//   h          -> s h                 height: scaled like lengths
//   (vcx, vcy) -> L (vcx, vcy)        velocities: the linear part only
//   va         -> va
//   vh         -> s vh
// i.e. mean -> M mean + (t, 0, ...) and covariance -> M P M^T with the block-diagonal
// M = diag(L, 1, s, L, 1, s).
#pragma once

#include <string>

namespace fairmot {

// Empty when A (6 doubles) is a valid warp, else the reason: every entry finite, the linear
// part's entries within +-2 and |det L| within [0.5, 2] (a frame-to-frame camera motion: at most a 2x
// zoom per frame, so states stay finite when warped frame after frame), the translation within +-1e50 px.
std::string warp_problem(const double* A);

// True when A is exactly [[1, 0, 0], [0, 1, 0]] (nothing to do, bit for bit).
bool warp_is_identity(const double* A);

// Applies A to one state in place: mean (8), cov (8x8 row-major) (either may be null).
void warp_state(const double* A, double* mean, double* cov);

}  // namespace fairmot
