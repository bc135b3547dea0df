// Valid ranges of the tracker core's inputs (docs/valid_inputs.md). Inside them every result
// is finite and computed as documented; the Python bindings reject values outside them with a
// ValueError naming the argument, and JDETracker::update throws std::invalid_argument.
#pragma once

namespace fairmot {

// Largest magnitude of a box coordinate, width or height, Kalman mean entry or measurement
// (pixels). Areas ((2 * 1e50)^2), covariances (~h^2) and their products in the Kalman update
// (~h^4 = 1e200) stay far from the float64 overflow at 1.8e308.
constexpr double kMaxCoordinate = 1e50;

// Largest magnitude of a Kalman covariance entry (kMaxCoordinate squared).
constexpr double kMaxCovariance = 1e100;

}  // namespace fairmot
