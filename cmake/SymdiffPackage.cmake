# What symdiff offers to other CMake projects: the program as symdiff::symdiff and the
# function symdiff_generate (for add_subdirectory and FetchContent users, right here),
# and the install rules of the relocatable package that find_package(symdiff) loads:
# the program, the static libraries symdiff::core, ::rewrite, ::codegen, their headers
# under include/symdiff/{core,rewrite,codegen}/, and lib/cmake/symdiff/.
include_guard(GLOBAL)

add_executable(symdiff::symdiff ALIAS symdiff)
include(${CMAKE_CURRENT_LIST_DIR}/SymdiffGenerate.cmake)

set(symdiff_libraries symdiff_core symdiff_rewrite symdiff_codegen)
set_target_properties(symdiff_core PROPERTIES EXPORT_NAME core)
set_target_properties(symdiff_rewrite PROPERTIES EXPORT_NAME rewrite)
set_target_properties(symdiff_codegen PROPERTIES EXPORT_NAME codegen)
# symdiff_options (warnings, -Werror, sanitizers) is for building symdiff only. A static
# library records its PRIVATE link to it as $<LINK_ONLY:symdiff_options>; keeping that to
# the build tree lets the installed targets go without it.
foreach(library IN LISTS symdiff_libraries)
  get_target_property(link_interface ${library} INTERFACE_LINK_LIBRARIES)
  string(REPLACE "$<LINK_ONLY:symdiff_options>" "$<LINK_ONLY:$<BUILD_INTERFACE:symdiff_options>>"
         link_interface "${link_interface}")
  set_target_properties(${library} PROPERTIES INTERFACE_LINK_LIBRARIES "${link_interface}")
endforeach()
# A sanitized static library needs the sanitizer runtime wherever it is linked.
if(SYMDIFF_SANITIZE)
  foreach(library IN LISTS symdiff_libraries)
    target_link_options(${library} INTERFACE -fsanitize=address,undefined)
  endforeach()
endif()

option(SYMDIFF_INSTALL "Generate symdiff's install rules" ${PROJECT_IS_TOP_LEVEL})
if(NOT SYMDIFF_INSTALL)
  return()
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(symdiff_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/symdiff)

install(TARGETS symdiff ${symdiff_libraries}
  EXPORT symdiffTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# Sources include "core/graph.hpp": the headers keep their folder under include/symdiff,
# which is the libraries' INSTALL_INTERFACE include directory (core/CMakeLists.txt).
foreach(folder IN ITEMS core rewrite codegen)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${folder}/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/symdiff/${folder}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT symdiffTargets NAMESPACE symdiff:: DESTINATION ${symdiff_cmake_dir})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/symdiffConfig.cmake.in
  ${PROJECT_BINARY_DIR}/symdiffConfig.cmake
  INSTALL_DESTINATION ${symdiff_cmake_dir}
  NO_SET_AND_CHECK_MACRO)
# 0.x: a new minor version may change the language or the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/symdiffConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/symdiffConfig.cmake
  ${PROJECT_BINARY_DIR}/symdiffConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/SymdiffGenerate.cmake
  DESTINATION ${symdiff_cmake_dir})
