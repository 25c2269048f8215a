// Tensor({3}) was the scalar 3 while Tensor({3, 5}) was a 3x5 zero tensor.
// expect: deleted
#include "core/tensor.hpp"

int main() {
    const symdiff::Tensor t({3});
    return static_cast<int>(t.size());
}
