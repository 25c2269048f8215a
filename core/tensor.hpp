// Numeric tensors and the numeric evaluation of every op: element-wise ops map their
// table entry's `eval`; structural ops run their index plan. The interpreter, the tape
// and constant folding of whole tensors all evaluate through `apply`.
// Free functions mirror the Expr API so that derivative rules written over T run on
// numbers too (T = Tensor).
#pragma once

#include "core/node.hpp"
#include "core/op_functions.hpp"
#include "core/shape.hpp"

#include <initializer_list>
#include <span>
#include <vector>

namespace symdiff {

class Tensor {
  public:
    Tensor() : data_(1, 0.0) {} // the scalar 0
    Tensor(double scalar) : data_(1, scalar) {} // NOLINT: a scalar is a rank-0 tensor
    explicit Tensor(const Shape& shape);        // zeros
    Tensor(const Shape& shape, std::vector<double> data); // data.size() == shape.size()
    // A brace list is not a tensor: Tensor({3}) would be the scalar 3 and Tensor({3, 5})
    // a 3x5 zero tensor. Say which: Tensor::scalar(3), Tensor::zeros(Shape{3, 5}),
    // Tensor(Shape{2}, {1.0, 2.0}).
    Tensor(std::initializer_list<double>) = delete;

    static Tensor scalar(double v) { return Tensor(v); }
    static Tensor zeros(const Shape& shape) { return Tensor(shape); }
    static Tensor filled(const Shape& shape, double value) { return Tensor(Fill{}, shape, value); }

    const Shape& shape() const { return shape_; }
    std::size_t size() const { return data_.size(); }
    std::span<double> data() { return data_; }
    std::span<const double> data() const { return data_; }
    double& operator[](std::size_t i) { return data_[i]; }
    double operator[](std::size_t i) const { return data_[i]; }
    double item() const; // the value of a one-element tensor

  private:
    struct Fill {};
    Tensor(Fill, const Shape& shape, double value)
        : shape_(shape), data_(static_cast<std::size_t>(shape.size()), value) {}

    Shape shape_;
    std::vector<double> data_;
};

// Evaluates op(args) on numbers. `target` is the result shape for the ops that need
// one (see Graph::make). Element-wise ops require equal operand shapes.
Tensor apply(Op op, std::span<const Tensor* const> args, const Payload& payload = {},
             const Shape& target = {});
Tensor apply(Op op, std::initializer_list<const Tensor*> args, const Payload& payload = {},
             const Shape& target = {});

// Element-wise `op` of operands broadcast to one shape (NumPy rules).
Tensor broadcast_apply(Op op, std::span<const Tensor* const> args);

// Tensors are op values: every op's function applies to them (exp(t), a + b,
// matmul(a, b), broadcast(t, shape), ...: core/op_functions.hpp), so a derivative rule
// written over T runs on numbers (the tape). seed_loop of tensors throws: a loop's value
// needs its body evaluated per direction (the interpreter does, eval.hpp).
template <> struct OpValue<Tensor> {
    static constexpr bool is_op_value = true;
    template <Op op, class... A> static Tensor apply(const A&... args) {
        const Tensor* ptrs[] = {&args...};
        return broadcast_apply(op, ptrs);
    }
    static Tensor literal(double v, const Tensor&) { return Tensor(v); }
    static Tensor structural(Op op, std::span<const Tensor* const> args, const Payload& payload,
                             const Shape& target);
};

} // namespace symdiff
