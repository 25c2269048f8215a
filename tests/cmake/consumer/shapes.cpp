// A library built on a generated header (namespace shapes, from models/my-shapes.sd);
// app links it, and so also sees the folder of that header.
#include "my-shapes.hpp"

double circle_area(double r) {
    double area = 0, darea = 0;
    shapes::circle(&r, &area, &darea);
    return area;
}
