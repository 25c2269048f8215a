// The program the argument-check cases of CMakeLists.txt attach models to; the
// project is only configured, never built.
int main() { return 0; }
