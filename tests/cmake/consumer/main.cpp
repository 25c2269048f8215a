// Calls the functions generated from model.sd (and, in the full consumer, uses the
// shapes library and its generated header, whose folder reaches here through it).
#include "model.hpp"

#include <cstdio>

#ifdef CONSUMER_FULL
#include "my-shapes.hpp"
double circle_area(double r); // shapes.cpp
#endif

int main() {
    const double x = 3;
    double f = 0, df = 0;
    model::fn(&x, &f, &df);
    std::printf("fn(3): f = %g, df = %g\n", f, df);
#ifdef CONSUMER_FULL
    std::printf("%s: area(1) = %.6f\n", shapes::circle_info::name, circle_area(1.0));
#endif
    return 0;
}
