// fairmot._tracker: numpy bindings of the C++ tracker core.
//
// Arrays are converted once at this boundary; the core never sees Python
// objects. Long native calls run without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "fairmot/tracker/defaults.hpp"
#include "fairmot/tracker/distances.hpp"
#include "fairmot/tracker/jde_tracker.hpp"
#include "fairmot/tracker/kalman_filter.hpp"
#include "fairmot/tracker/lapjv.hpp"
#include "fairmot/tracker/limits.hpp"
#include "fairmot/tracker/warp.hpp"
#include "lapjv_kernels.hpp"  // internal: exposed for tests only

namespace py = pybind11;
using namespace fairmot;

namespace {

using F64Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using F32Array = py::array_t<float, py::array::c_style | py::array::forcecast>;
using I64Array = py::array_t<int64_t>;

// Calls whose work is below this many elements keep the GIL (releasing and
// re-acquiring it costs more than the call).
constexpr int64_t kGilThreshold = 4096;

py::array as_numeric_array(py::handle obj, const char* name) {
  py::array arr = py::isinstance<py::array>(obj) ? py::reinterpret_borrow<py::array>(obj)
                                                 : py::array(py::module_::import("numpy").attr("asarray")(obj));
  const char kind = py::detail::array_descriptor_proxy(py::detail::array_proxy(arr.ptr())->descr)->kind;
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') {
    throw py::type_error(std::string(name) + " must be a real numeric array, got dtype " +
                         std::string(py::str(arr.dtype())));
  }
  return arr;
}

bool is_dtype(const py::array& a, char kind, py::ssize_t itemsize) {
  const auto* descr = py::detail::array_descriptor_proxy(py::detail::array_proxy(a.ptr())->descr);
  return descr->kind == kind && a.itemsize() == itemsize;
}

F64Array to_f64(py::handle obj, const char* name) { return F64Array::ensure(as_numeric_array(obj, name)); }

std::string shape_str(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t k = 0; k < a.ndim(); ++k) {
    s += std::to_string(a.shape(k));
    if (k + 1 < a.ndim() || a.ndim() == 1) s += ",";
    if (k + 1 < a.ndim()) s += " ";
  }
  return s + ")";
}

void require_2d(const py::array& a, const char* name, py::ssize_t cols = -1) {
  if (a.ndim() != 2 || (cols >= 0 && a.shape(1) != cols)) {
    throw py::value_error(std::string(name) + " must have shape (N, " +
                          (cols >= 0 ? std::to_string(cols) : std::string("D")) + "), got " + shape_str(a));
  }
}

template <typename T>
py::array_t<T> new_array(std::initializer_list<py::ssize_t> shape) {
  return py::array_t<T>(std::vector<py::ssize_t>(shape));
}

I64Array vec_to_array(const std::vector<int64_t>& v) {
  I64Array out(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(out.mutable_data(), v.data(), v.size() * sizeof(int64_t));
  return out;
}

// ---------------------------------------------------------------- assignment
// x / y come back as int32 like lap's (int64 only for a dimension beyond the
// int32 range, which lap cannot solve at all).
template <typename Index>
py::array_t<Index> narrow_copy(const int64_t* src, int64_t count) {
  py::array_t<Index> out(static_cast<py::ssize_t>(count));
  Index* dst = out.mutable_data();
  for (int64_t k = 0; k < count; ++k) dst[k] = static_cast<Index>(src[k]);
  return out;
}

template <typename T>
py::tuple run_lapjv(const T* data, int64_t n, int64_t m, bool extend_cost, double cost_limit, bool return_cost,
                    bool partial) {
  std::vector<int64_t> xy(static_cast<size_t>(n + m));
  int64_t* px = xy.data();
  int64_t* py_ = px + n;
  double total;
  if (n * m > kGilThreshold) {
    py::gil_scoped_release nogil;
    total = lapjv_into(data, n, m, extend_cost, cost_limit, px, py_, partial);
  } else {
    total = lapjv_into(data, n, m, extend_cost, cost_limit, px, py_, partial);
  }
  py::array x, y;
  if (std::max(n, m) <= static_cast<int64_t>(std::numeric_limits<int32_t>::max())) {
    x = narrow_copy<int32_t>(px, n);
    y = narrow_copy<int32_t>(py_, m);
  } else {
    x = narrow_copy<int64_t>(px, n);
    y = narrow_copy<int64_t>(py_, m);
  }
  if (!return_cost) return py::make_tuple(std::move(x), std::move(y));
  return py::make_tuple(total, std::move(x), std::move(y));
}

py::tuple py_lapjv(py::handle cost, bool extend_cost, double cost_limit, bool return_cost, bool partial) {
  py::array arr = as_numeric_array(cost, "cost");
  if (arr.ndim() != 2) throw py::value_error("cost must be a 2-D matrix, got shape " + shape_str(arr));
  const int64_t n = arr.shape(0), m = arr.shape(1);
  const bool contiguous = (arr.flags() & py::array::c_style) != 0;
  if (contiguous && is_dtype(arr, 'f', 4)) {
    return run_lapjv(static_cast<const float*>(arr.data()), n, m, extend_cost, cost_limit, return_cost, partial);
  }
  if (contiguous && is_dtype(arr, 'f', 8)) {
    return run_lapjv(static_cast<const double*>(arr.data()), n, m, extend_cost, cost_limit, return_cost, partial);
  }
  F64Array c = F64Array::ensure(arr);
  return run_lapjv(c.data(), n, m, extend_cost, cost_limit, return_cost, partial);
}

// lapjv(cost, extend_cost=False, cost_limit=inf, return_cost=True, *, partial=False)
// as a METH_FASTCALL function: pybind11's generic keyword handling costs more
// than a 10x10 solve. The first four parameters are lap.lapjv's, in its order.
PyObject* lapjv_fastcall(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  constexpr int kParams = 5, kPositional = 4;
  static const char* const names[kParams] = {"cost", "extend_cost", "cost_limit", "return_cost", "partial"};
  PyObject* vals[kParams] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  if (nargs > kPositional) {
    PyErr_Format(PyExc_TypeError, "lapjv() takes at most %d positional arguments (%zd given)", kPositional, nargs);
    return nullptr;
  }
  for (Py_ssize_t k = 0; k < nargs; ++k) vals[k] = args[k];
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, k);
    int slot = -1;
    for (int q = 0; q < kParams; ++q) {
      if (PyUnicode_CompareWithASCIIString(key, names[q]) == 0) slot = q;
    }
    if (slot < 0) {
      PyErr_Format(PyExc_TypeError, "lapjv() got an unexpected keyword argument '%U'", key);
      return nullptr;
    }
    if (vals[slot]) {
      PyErr_Format(PyExc_TypeError, "lapjv() got multiple values for argument '%s'", names[slot]);
      return nullptr;
    }
    vals[slot] = args[nargs + k];
  }
  if (!vals[0]) {
    PyErr_SetString(PyExc_TypeError, "lapjv() missing required argument 'cost'");
    return nullptr;
  }
  auto flag = [](PyObject* v, bool fallback, bool* out) {
    if (!v) {
      *out = fallback;
      return true;
    }
    const int t = PyObject_IsTrue(v);
    if (t < 0) return false;
    *out = t != 0;
    return true;
  };
  bool extend_cost = false, return_cost = true, partial = false;
  if (!flag(vals[1], false, &extend_cost) || !flag(vals[3], true, &return_cost) || !flag(vals[4], false, &partial)) {
    return nullptr;
  }
  double cost_limit = std::numeric_limits<double>::infinity();
  if (vals[2]) {
    cost_limit = PyFloat_AsDouble(vals[2]);
    if (cost_limit == -1.0 && PyErr_Occurred()) return nullptr;
  }
  try {
    return py_lapjv(vals[0], extend_cost, cost_limit, return_cost, partial).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (py::builtin_exception& e) {
    e.set_error();
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

py::tuple py_linear_assignment(py::handle cost, double thresh) {
  if (std::isnan(thresh)) throw py::value_error("thresh must not be NaN");
  F64Array c = to_f64(cost, "cost");
  if (c.ndim() != 2) throw py::value_error("cost must be a 2-D matrix, got shape " + shape_str(c));
  const int64_t n = c.shape(0), m = c.shape(1);
  MatchResult r;
  if (n * m > kGilThreshold) {
    py::gil_scoped_release nogil;
    r = linear_assignment(c.data(), n, m, thresh);
  } else {
    r = linear_assignment(c.data(), n, m, thresh);
  }
  I64Array matches = new_array<int64_t>({static_cast<py::ssize_t>(r.matches.size() / 2), 2});
  if (!r.matches.empty()) std::memcpy(matches.mutable_data(), r.matches.data(), r.matches.size() * sizeof(int64_t));
  return py::make_tuple(matches, vec_to_array(r.unmatched_rows), vec_to_array(r.unmatched_cols));
}

// ---------------------------------------------------------------- distances
void require_finite(const double* p, int64_t count, const char* name) {
  for (int64_t k = 0; k < count; ++k) {
    if (!std::isfinite(p[k])) throw py::value_error(std::string(name) + " contains NaN or inf");
  }
}

// Finite and within +-limit (the valid ranges of limits.hpp, docs/valid_inputs.md).
void require_in_range(const double* p, int64_t count, const char* name, double limit, const char* limit_text) {
  require_finite(p, count, name);
  for (int64_t k = 0; k < count; ++k) {
    if (!(std::fabs(p[k]) <= limit)) {
      throw py::value_error(std::string(name) + " contains " + std::string(py::repr(py::float_(p[k]))) +
                            ", outside the valid range +-" + limit_text);
    }
  }
}

// An empty (N, 4) box array: (0,), (0, 0) or (0, 4). Anything else with no elements, such
// as (5, 0), is an error.
bool empty_boxes(const py::array& a) {
  return a.size() == 0 && ((a.ndim() == 1 && a.shape(0) == 0) ||
                           (a.ndim() == 2 && a.shape(0) == 0 && (a.shape(1) == 0 || a.shape(1) == 4)));
}

py::array_t<double> py_iou_distance(py::handle a_obj, py::handle b_obj) {
  F64Array a = to_f64(a_obj, "boxes_a"), b = to_f64(b_obj, "boxes_b");
  const bool a_empty = empty_boxes(a), b_empty = empty_boxes(b);
  if (!a_empty) require_2d(a, "boxes_a", 4);
  if (!b_empty) require_2d(b, "boxes_b", 4);
  const int64_t n = a_empty ? 0 : a.shape(0), m = b_empty ? 0 : b.shape(0);
  require_in_range(a.data(), 4 * n, "boxes_a", kMaxCoordinate, "1e50");
  require_in_range(b.data(), 4 * m, "boxes_b", kMaxCoordinate, "1e50");
  auto out = new_array<double>({n, m});
  if (n * m > 0) iou_distance(a.data(), n, b.data(), m, out.mutable_data());
  return out;
}

py::array_t<double> py_embedding_distance(py::handle a_obj, py::handle b_obj) {
  F64Array a = to_f64(a_obj, "track_features"), b = to_f64(b_obj, "detection_features");
  // (N, D) each; "no features at all" may also be (0,) or (0, 0). A row without features
  // ((3, 0)) and two different D (both given) are errors.
  auto no_rows = [](const py::array& x) {
    return x.size() == 0 && ((x.ndim() == 1 && x.shape(0) == 0) || (x.ndim() == 2 && x.shape(0) == 0));
  };
  const bool a_empty = no_rows(a), b_empty = no_rows(b);
  if (!a_empty) require_2d(a, "track_features");
  if (!b_empty) require_2d(b, "detection_features");
  if (!a_empty && a.shape(1) == 0) {
    throw py::value_error("track_features must have at least one feature per row, got shape " + shape_str(a));
  }
  if (!b_empty && b.shape(1) == 0) {
    throw py::value_error("detection_features must have at least one feature per row, got shape " + shape_str(b));
  }
  const bool a_has_dim = a.ndim() == 2 && a.shape(1) > 0, b_has_dim = b.ndim() == 2 && b.shape(1) > 0;
  if (a_has_dim && b_has_dim && a.shape(1) != b.shape(1)) {
    throw py::value_error("feature dimensions differ: track_features " + shape_str(a) +
                          ", detection_features " + shape_str(b));
  }
  const int64_t n = a_empty ? 0 : a.shape(0), m = b_empty ? 0 : b.shape(0);
  if (a_empty || b_empty) return new_array<double>({n, m});
  const int64_t d = a.shape(1);
  require_finite(a.data(), n * d, "track_features");
  require_finite(b.data(), m * d, "detection_features");
  auto out = new_array<double>({n, m});
  if (n * m * d > kGilThreshold) {
    double* o = out.mutable_data();
    const double *pa = a.data(), *pb = b.data();
    py::gil_scoped_release nogil;
    embedding_distance(pa, n, pb, m, d, o);
  } else {
    embedding_distance(a.data(), n, b.data(), m, d, out.mutable_data());
  }
  return out;
}

bool read_warp(py::handle obj, double* out);

// ---------------------------------------------------------------- Kalman
struct Batch {
  F64Array mean, cov;
  int64_t n;
};

Batch read_states(py::handle mean_obj, py::handle cov_obj) {
  Batch b{to_f64(mean_obj, "mean"), to_f64(cov_obj, "covariance"), 0};
  if (b.mean.ndim() != 2 || b.mean.shape(1) != 8) {
    throw py::value_error("mean must have shape (N, 8), got " + shape_str(b.mean));
  }
  b.n = b.mean.shape(0);
  if (b.cov.ndim() != 3 || b.cov.shape(0) != b.n || b.cov.shape(1) != 8 || b.cov.shape(2) != 8) {
    throw py::value_error("covariance must have shape (" + std::to_string(b.n) + ", 8, 8), got " +
                          shape_str(b.cov));
  }
  require_in_range(b.mean.data(), 8 * b.n, "mean", kMaxCoordinate, "1e50");
  require_in_range(b.cov.data(), 64 * b.n, "covariance", kMaxCovariance, "1e100");
  return b;
}

F64Array read_measurements(py::handle obj, int64_t expect_rows = -1) {
  F64Array z = to_f64(obj, "measurement");
  if (z.ndim() != 2 || z.shape(1) != 4 || (expect_rows >= 0 && z.shape(0) != expect_rows)) {
    throw py::value_error("measurement must have shape (" +
                          (expect_rows >= 0 ? std::to_string(expect_rows) : std::string("N")) +
                          ", 4), got " + shape_str(z));
  }
  require_in_range(z.data(), 4 * z.shape(0), "measurement", kMaxCoordinate, "1e50");
  return z;
}

py::tuple py_kf_initiate(py::handle xyah) {
  F64Array z = read_measurements(xyah);
  const int64_t n = z.shape(0);
  auto mean = new_array<double>({n, 8});
  auto cov = new_array<double>({n, 8, 8});
  kalman::initiate(z.data(), n, mean.mutable_data(), cov.mutable_data());
  return py::make_tuple(mean, cov);
}

py::tuple py_kf_predict(py::handle mean_obj, py::handle cov_obj) {
  Batch b = read_states(mean_obj, cov_obj);
  auto mean = new_array<double>({b.n, 8});
  auto cov = new_array<double>({b.n, 8, 8});
  std::memcpy(mean.mutable_data(), b.mean.data(), 8 * b.n * sizeof(double));
  std::memcpy(cov.mutable_data(), b.cov.data(), 64 * b.n * sizeof(double));
  kalman::predict(mean.mutable_data(), cov.mutable_data(), b.n);
  return py::make_tuple(mean, cov);
}

py::tuple py_kf_project(py::handle mean_obj, py::handle cov_obj) {
  Batch b = read_states(mean_obj, cov_obj);
  auto pm = new_array<double>({b.n, 4});
  auto pc = new_array<double>({b.n, 4, 4});
  kalman::project(b.mean.data(), b.cov.data(), b.n, pm.mutable_data(), pc.mutable_data());
  return py::make_tuple(pm, pc);
}

py::tuple py_kf_update(py::handle mean_obj, py::handle cov_obj, py::handle xyah) {
  Batch b = read_states(mean_obj, cov_obj);
  F64Array z = read_measurements(xyah, b.n);
  auto mean = new_array<double>({b.n, 8});
  auto cov = new_array<double>({b.n, 8, 8});
  std::memcpy(mean.mutable_data(), b.mean.data(), 8 * b.n * sizeof(double));
  std::memcpy(cov.mutable_data(), b.cov.data(), 64 * b.n * sizeof(double));
  int64_t bad = -1;
  if (!kalman::update(mean.mutable_data(), cov.mutable_data(), z.data(), b.n, &bad)) {
    throw py::value_error("innovation covariance of track " + std::to_string(bad) + " is not positive definite");
  }
  return py::make_tuple(mean, cov);
}

py::array_t<double> py_kf_gating_distance(py::handle mean_obj, py::handle cov_obj, py::handle xyah,
                                          bool only_position) {
  Batch b = read_states(mean_obj, cov_obj);
  F64Array z = read_measurements(xyah);
  const int64_t m = z.shape(0);
  auto out = new_array<double>({b.n, m});
  for (int64_t i = 0; i < b.n; ++i) {
    if (!kalman::gating_distance(b.mean.data() + 8 * i, b.cov.data() + 64 * i, z.data(), m, only_position,
                                 out.mutable_data() + i * m)) {
      throw py::value_error("projected covariance of track " + std::to_string(i) + " is not positive definite");
    }
  }
  return out;
}

py::array_t<double> py_fuse_motion(py::handle cost_obj, py::handle mean_obj, py::handle cov_obj,
                                   py::handle xyah, bool only_position, double lambda) {
  F64Array cost = to_f64(cost_obj, "cost");
  if (cost.ndim() != 2) throw py::value_error("cost must be a 2-D matrix, got shape " + shape_str(cost));
  const int64_t n = cost.shape(0), m = cost.shape(1);
  auto out = new_array<double>({n, m});
  if (n * m == 0) return out;
  Batch b = read_states(mean_obj, cov_obj);
  if (b.n != n) {
    throw py::value_error("cost has " + std::to_string(n) + " rows but " + std::to_string(b.n) + " track states were given");
  }
  F64Array z = read_measurements(xyah, m);
  for (int64_t k = 0; k < n * m; ++k) {
    if (std::isnan(cost.data()[k])) throw py::value_error("cost contains NaN");
  }
  std::memcpy(out.mutable_data(), cost.data(), n * m * sizeof(double));
  if (!fuse_motion(out.mutable_data(), n, m, b.mean.data(), b.cov.data(), z.data(), only_position, lambda)) {
    throw py::value_error("a track's projected covariance is not positive definite");
  }
  return out;
}

py::tuple py_warp_state(py::handle mean_obj, py::handle cov_obj, py::handle warp_obj) {
  Batch b = read_states(mean_obj, cov_obj);
  double A[6];
  if (!read_warp(warp_obj, A)) throw py::type_error("warp must be a (2, 3) array, not None");
  const std::string why = warp_problem(A);
  if (!why.empty()) throw py::value_error(why);
  auto mean = new_array<double>({b.n, 8});
  auto cov = new_array<double>({b.n, 8, 8});
  std::memcpy(mean.mutable_data(), b.mean.data(), 8 * b.n * sizeof(double));
  std::memcpy(cov.mutable_data(), b.cov.data(), 64 * b.n * sizeof(double));
  if (!warp_is_identity(A)) {
    for (int64_t i = 0; i < b.n; ++i) warp_state(A, mean.mutable_data() + 8 * i, cov.mutable_data() + 64 * i);
  }
  return py::make_tuple(mean, cov);
}

// ---------------------------------------------------------------- tracker
Association parse_association(const std::string& s) {
  if (s == "default") return Association::Default;
  if (s == "byte") return Association::Byte;
  throw py::value_error("association must be 'default' or 'byte', got '" + s + "'");
}

// Rows of an (N, k) input; N == 0 accepts any empty array.
int64_t rows_of(const py::array& a, const char* name, py::ssize_t cols, bool any_cols = false) {
  if (a.size() == 0 && a.ndim() >= 1 && a.shape(0) == 0) return 0;
  if (cols < 0) {
    if (a.ndim() != 1) throw py::value_error(std::string(name) + " must have shape (N,), got " + shape_str(a));
    return a.shape(0);
  }
  if (a.ndim() != 2 || (!any_cols && a.shape(1) != cols)) {
    throw py::value_error(std::string(name) + " must have shape (N, " + (any_cols ? std::string("D") : std::to_string(cols)) +
                          "), got " + shape_str(a));
  }
  return a.shape(0);
}

// warp: None, or a (2, 3) real array (previous frame -> current frame affine, pixels).
bool read_warp(py::handle obj, double* out) {
  if (obj.is_none()) return false;
  py::array a = as_numeric_array(obj, "warp");
  if (a.ndim() != 2 || a.shape(0) != 2 || a.shape(1) != 3) {
    throw py::value_error("warp must have shape (2, 3), got " + shape_str(a));
  }
  F64Array w = F64Array::ensure(a);
  std::memcpy(out, w.data(), 6 * sizeof(double));
  return true;
}

py::tuple tracker_update(JDETracker& self, py::handle boxes_obj, py::handle scores_obj, py::handle emb_obj,
                         py::handle class_obj, py::handle warp_obj) {
  double warp[6];
  const bool has_warp = read_warp(warp_obj, warp);
  py::array boxes = as_numeric_array(boxes_obj, "boxes");
  py::array scores = as_numeric_array(scores_obj, "scores");
  py::array emb = as_numeric_array(emb_obj, "embeddings");
  const int64_t n = rows_of(boxes, "boxes", 4);
  const int64_t ns = rows_of(scores, "scores", -1);
  const int64_t ne = rows_of(emb, "embeddings", 0, true);
  if (ns != n || ne != n) {
    throw py::value_error("boxes, scores and embeddings must have the same length, got " + std::to_string(n) +
                          ", " + std::to_string(ns) + " and " + std::to_string(ne));
  }
  // x1, y1, x2, y2 -> x1, y1, w, h; w and h in the boxes' own precision (float32 for float32 boxes).
  std::vector<double> tlwh(4 * n);
  if (n > 0 && is_dtype(boxes, 'f', 4)) {
    F32Array b = F32Array::ensure(boxes);
    const float* p = b.data();
    for (int64_t i = 0; i < n; ++i) {
      tlwh[4 * i] = p[4 * i];
      tlwh[4 * i + 1] = p[4 * i + 1];
      tlwh[4 * i + 2] = static_cast<double>(p[4 * i + 2] - p[4 * i]);
      tlwh[4 * i + 3] = static_cast<double>(p[4 * i + 3] - p[4 * i + 1]);
    }
  } else if (n > 0) {
    F64Array b = F64Array::ensure(boxes);
    const double* p = b.data();
    for (int64_t i = 0; i < n; ++i) {
      tlwh[4 * i] = p[4 * i];
      tlwh[4 * i + 1] = p[4 * i + 1];
      tlwh[4 * i + 2] = p[4 * i + 2] - p[4 * i];
      tlwh[4 * i + 3] = p[4 * i + 3] - p[4 * i + 1];
    }
  }
  for (int64_t k = 0; k < 4 * n; ++k) {
    if (!std::isfinite(tlwh[k])) throw py::value_error("boxes contain NaN or inf");
  }
  F64Array s = F64Array::ensure(scores);
  F32Array e = F32Array::ensure(emb);
  DetectionBatch batch;
  batch.n = n;
  batch.tlwh = tlwh.data();
  batch.scores = s.data();
  batch.scores_float32 = is_dtype(scores, 'f', 4);
  batch.features = e.data();
  batch.dim = n > 0 ? e.shape(1) : 0;
  // Class ids: None (all class 0) or an (N,) integer array of non-negative ids.
  std::vector<int64_t> cls;
  if (!class_obj.is_none()) {
    py::array c = py::array::ensure(class_obj);
    if (!c) throw py::type_error("class_ids must be an array of integers");
    if (c.dtype().kind() != 'i' && c.dtype().kind() != 'u') {
      throw py::type_error("class_ids must have an integer dtype, got " + std::string(py::str(c.dtype())));
    }
    if (c.ndim() != 1 || c.shape(0) != n) {
      throw py::value_error("class_ids must have shape (" + std::to_string(n) + ",), got " + shape_str(c));
    }
    py::array_t<int64_t, py::array::c_style | py::array::forcecast> ci(c);
    cls.assign(ci.data(), ci.data() + n);
    for (int64_t i = 0; i < n; ++i) {
      if (cls[i] < 0) throw py::value_error("class_ids must be non-negative, got " + std::to_string(cls[i]) +
                                            " at row " + std::to_string(i));
    }
    batch.class_ids = cls.data();
  }
  std::vector<OutputTrack> out;
  {
    py::gil_scoped_release nogil;
    out = has_warp ? self.update(batch, warp) : self.update(batch);
  }
  const py::ssize_t k = static_cast<py::ssize_t>(out.size());
  auto ids = new_array<int64_t>({k});
  auto boxes_out = new_array<double>({k, 4});
  auto scores_out = new_array<double>({k});
  auto det_index = new_array<int64_t>({k});
  int64_t* pi = ids.mutable_data();
  double* pb = boxes_out.mutable_data();
  double* ps = scores_out.mutable_data();
  int64_t* pd = det_index.mutable_data();
  auto class_ids = new_array<int64_t>({k});
  int64_t* pc = class_ids.mutable_data();
  for (py::ssize_t i = 0; i < k; ++i) {
    pc[i] = out[i].class_id;
    pi[i] = out[i].id;
    for (int c = 0; c < 4; ++c) pb[4 * i + c] = out[i].tlwh[c];
    ps[i] = out[i].score;
    pd[i] = out[i].det_index;
  }
  return py::make_tuple(ids, boxes_out, scores_out, det_index, class_ids);
}

// The re-id gallery's entries (oldest removal first) as arrays: ids, class_ids, start_frame,
// last_seen, removed (K,) int64; mean (K, 8) float64; features (K, D) float32.
py::dict tracker_gallery(const JDETracker& self) {
  std::vector<GalleryEntry> g;
  {
    py::gil_scoped_release nogil;
    g = self.gallery();
  }
  const py::ssize_t k = static_cast<py::ssize_t>(g.size());
  const py::ssize_t d = k > 0 ? static_cast<py::ssize_t>(g[0].feat.size()) : 0;
  auto ids = new_array<int64_t>({k});
  auto cls = new_array<int64_t>({k});
  auto start = new_array<int64_t>({k});
  auto seen = new_array<int64_t>({k});
  auto removed = new_array<int64_t>({k});
  auto mean = new_array<double>({k, 8});
  auto feat = new_array<float>({k, d});
  for (py::ssize_t i = 0; i < k; ++i) {
    ids.mutable_data()[i] = g[i].id;
    cls.mutable_data()[i] = g[i].cls;
    start.mutable_data()[i] = g[i].start_frame;
    seen.mutable_data()[i] = g[i].last_seen;
    removed.mutable_data()[i] = g[i].removed;
    std::memcpy(mean.mutable_data() + 8 * i, g[i].mean, 8 * sizeof(double));
    if (d > 0) std::memcpy(feat.mutable_data() + d * i, g[i].feat.data(), d * sizeof(float));
  }
  py::dict out;
  out["ids"] = ids;
  out["class_ids"] = cls;
  out["start_frame"] = start;
  out["last_seen"] = seen;
  out["removed"] = removed;
  out["mean"] = mean;
  out["features"] = feat;
  return out;
}

// A JDETracker getter that runs without the GIL (it may wait for the instance's lock).
template <typename R>
py::cpp_function unlocked_getter(R (JDETracker::*getter)() const) {
  return py::cpp_function(getter, py::call_guard<py::gil_scoped_release>());
}

// Test hook: the solver's vectorised kernels next to their scalar
// definitions (fairmot._tracker._lapjv_kernels; not public API).
py::dict lapjv_kernels_for_tests(py::array_t<double, py::array::c_style | py::array::forcecast> c,
                                 py::array_t<double, py::array::c_style | py::array::forcecast> v) {
  if (c.ndim() != 1 || v.ndim() != 1 || c.shape(0) != v.shape(0)) {
    throw py::value_error("c and v must be 1-D arrays of one length");
  }
  const int64_t n = c.shape(0);
  const double* cp = c.data();
  const double* vp = v.data();
  auto two = [](const detail::TwoSmallest& t) { return py::make_tuple(t.h1, t.j1, t.h2, t.j2); };
  auto range = [](const detail::CostRange& r) {
    return py::make_tuple(r.has_nan, r.has_pos_inf, r.has_neg_inf, r.lo, r.hi);
  };
  std::vector<double> v1(vp, vp + n), v2(vp, vp + n);
  std::vector<int64_t> y1(static_cast<size_t>(n), -1), y2(static_cast<size_t>(n), -1);
  detail::column_minima_update_scalar(cp, n, 7, v1.data(), y1.data());
  detail::column_minima_update(cp, n, 7, v2.data(), y2.data());
  py::dict out;
  out["two_smallest"] = py::make_tuple(two(detail::two_smallest_scalar(cp, vp, n)), two(detail::two_smallest(cp, vp, n)));
  out["cost_range"] = py::make_tuple(range(detail::cost_range_scalar(cp, n)), range(detail::cost_range(cp, n)));
  out["column_minima"] = py::make_tuple(py::make_tuple(py::cast(v1), py::cast(y1)), py::make_tuple(py::cast(v2), py::cast(y2)));
  return out;
}

}  // namespace

PYBIND11_MODULE(_tracker, m) {
  m.doc() = "fairmot._tracker: numpy bindings of the torch-free C++ tracker core";

  // The one home of the defaults (fairmot/tracker/defaults.hpp) and of the chi-square table
  // (fairmot/tracker/kalman_filter.hpp), read by fairmot.config and fairmot.tracking.
  py::dict tracker_defaults;
  tracker_defaults["conf_thres"] = defaults::kConfThres;
  tracker_defaults["track_buffer"] = defaults::kTrackBuffer;
  tracker_defaults["frame_rate"] = defaults::kFrameRate;
  tracker_defaults["association"] = defaults::kAssociation;
  tracker_defaults["match_thres"] = defaults::kMatchThres;
  tracker_defaults["low_thres"] = defaults::kLowThres;
  tracker_defaults["iou_thres"] = defaults::kIouThres;
  tracker_defaults["unconfirmed_thres"] = defaults::kUnconfirmedThres;
  tracker_defaults["fuse_lambda"] = defaults::kFuseLambda;
  tracker_defaults["reid_buffer"] = defaults::kReidBuffer;
  tracker_defaults["reid_thres"] = defaults::kReidThres;
  tracker_defaults["reid_gallery_size"] = defaults::kReidGallerySize;
  tracker_defaults["reid_max_size_ratio"] = defaults::kReidMaxSizeRatio;
  tracker_defaults["reid_base_distance"] = defaults::kReidBaseDistance;
  tracker_defaults["reid_max_speed"] = defaults::kReidMaxSpeed;
  tracker_defaults["min_box_area"] = defaults::kMinBoxArea;
  tracker_defaults["max_aspect_ratio"] = defaults::kMaxAspectRatio;
  m.attr("DEFAULTS") = tracker_defaults;
  py::dict chi2inv95;
  for (int dof = 1; dof < static_cast<int>(sizeof(kalman::kChi2Inv95) / sizeof(double)); ++dof) {
    chi2inv95[py::int_(dof)] = kalman::kChi2Inv95[dof];
  }
  m.attr("CHI2INV95") = chi2inv95;

  static PyMethodDef lapjv_def = {
      "lapjv", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(&lapjv_fastcall)),
      METH_FASTCALL | METH_KEYWORDS,
      "lapjv(cost, extend_cost=False, cost_limit=inf, return_cost=True, *, partial=False)\n"
      "    -> (total_cost, x, y), or (x, y) with return_cost=False\n\n"
      "Drop-in for lap.lapjv (Jonker-Volgenant dense linear assignment); see\n"
      "fairmot.tracking.lapjv and docs/compatibility.md.\n\n"
      "cost: (N, M) real matrix. x (N,) int32: column of each row or -1; y (M,) int32: row of each\n"
      "column or -1; total_cost: sum of cost over the assigned pairs. +inf is a forbidden pair: when\n"
      "no complete assignment of finite cost exists (cost_limit=inf), a complete one of total inf\n"
      "is returned, as lap does; partial=True instead returns the cheapest matching of maximum size\n"
      "with -1 for the unmatched and a finite total. NaN and -inf raise ValueError. A non-square\n"
      "matrix needs extend_cost=True. A finite cost_limit solves lap's thresholded problem."};
  m.add_object("lapjv", py::reinterpret_steal<py::object>(PyCFunction_NewEx(&lapjv_def, nullptr, m.ptr())));
  m.def("linear_assignment", &py_linear_assignment, py::arg("cost"), py::arg("thresh"),
        "FairMOT's linear_assignment(cost, thresh) -> (matches (K, 2), unmatched_rows, unmatched_cols).");
  m.def("_lapjv_kernels", &lapjv_kernels_for_tests, py::arg("c"), py::arg("v"),
        "Test hook: (scalar, dispatched) results of the solver's vectorised kernels on one row.");
  m.def("iou_distance", &py_iou_distance, py::arg("boxes_a"), py::arg("boxes_b"));
  m.def("embedding_distance", &py_embedding_distance, py::arg("track_features"), py::arg("detection_features"));
  m.def("fuse_motion", &py_fuse_motion, py::arg("cost"), py::arg("mean"), py::arg("covariance"),
        py::arg("measurements"), py::arg("only_position") = false, py::arg("lambda_") = defaults::kFuseLambda);
  m.def("kf_initiate", &py_kf_initiate, py::arg("measurement"));
  m.def("kf_predict", &py_kf_predict, py::arg("mean"), py::arg("covariance"));
  m.def("kf_project", &py_kf_project, py::arg("mean"), py::arg("covariance"));
  m.def("kf_update", &py_kf_update, py::arg("mean"), py::arg("covariance"), py::arg("measurement"));
  m.def("warp_state", &py_warp_state, py::arg("mean"), py::arg("covariance"), py::arg("warp"),
        "Kalman states (N, 8), (N, 8, 8) moved by a (2, 3) camera-motion affine (see JDETracker.update's warp).");
  m.def("kf_gating_distance", &py_kf_gating_distance, py::arg("mean"), py::arg("covariance"),
        py::arg("measurements"), py::arg("only_position") = false);

  py::class_<JDETracker>(m, "JDETracker")
      .def(py::init([](double conf_thres, int track_buffer, double frame_rate, const std::string& association,
                       double match_thres, double low_thres, double iou_thres, double unconfirmed_thres,
                       int reid_buffer, double reid_thres) {
             TrackerOptions o;
             o.conf_thres = conf_thres;
             o.track_buffer = track_buffer;
             o.frame_rate = frame_rate;
             o.association = parse_association(association);
             o.match_thres = match_thres;
             o.low_thres = low_thres;
             o.iou_thres = iou_thres;
             o.unconfirmed_thres = unconfirmed_thres;
             o.reid_buffer = reid_buffer;
             o.reid_thres = reid_thres;
             return std::make_unique<JDETracker>(o);
           }),
           py::arg("conf_thres") = defaults::kConfThres, py::arg("track_buffer") = defaults::kTrackBuffer,
           py::arg("frame_rate") = defaults::kFrameRate, py::arg("association") = defaults::kAssociation,
           py::arg("match_thres") = defaults::kMatchThres, py::arg("low_thres") = defaults::kLowThres,
           py::arg("iou_thres") = defaults::kIouThres, py::arg("unconfirmed_thres") = defaults::kUnconfirmedThres,
           py::arg("reid_buffer") = defaults::kReidBuffer, py::arg("reid_thres") = defaults::kReidThres)
      .def("update", &tracker_update, py::arg("boxes"), py::arg("scores"), py::arg("embeddings"),
           py::arg("class_ids") = py::none(), py::arg("warp") = py::none())
      .def("gallery", &tracker_gallery)
      .def_property_readonly("reid_max_frames", unlocked_getter(&JDETracker::reid_max_frames))
      .def_property_readonly("gallery_size", unlocked_getter(&JDETracker::gallery_size))
      // reset and the state getters lock the instance; they wait for a running update (which
      // holds the lock without the GIL) with the GIL released, so other threads keep running.
      .def("reset", &JDETracker::reset, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("frame_id", unlocked_getter(&JDETracker::frame_id))
      .def_property_readonly("max_time_lost", unlocked_getter(&JDETracker::max_time_lost))
      .def_property_readonly("num_tracked", unlocked_getter(&JDETracker::num_tracked))
      .def_property_readonly("num_lost", unlocked_getter(&JDETracker::num_lost))
      .def_property_readonly("feature_dim", unlocked_getter(&JDETracker::feature_dim));
}
