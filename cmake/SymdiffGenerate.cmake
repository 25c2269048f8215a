# symdiff_generate(): runs `symdiff gen` at build time on model files (*.sd) and makes a
# target depend on the headers it writes (README.md, "CMake: generate at build time"). Loaded by
# symdiffConfig.cmake after find_package(symdiff), and by symdiff's own CMakeLists.txt
# when symdiff is added with add_subdirectory or FetchContent; either way the program it
# runs is the target symdiff::symdiff.
#
#   symdiff_generate(<target> MODELS <model.sd>... [NAMESPACE <ns>] [OUTPUT_DIR <dir>]
#                    [STRICT] [CHECKPOINT <steps>|sqrt])
#
# For each model, one custom command writes <OUTPUT_DIR>/<stem>.hpp (<stem>: the model's
# file name without .sd), namespace <stem> unless NAMESPACE <ns> is given (then every
# model of the call uses <ns>).
#   <target>    an existing executable or library target (an ALIAS is resolved); it is
#               built after the headers, and OUTPUT_DIR is added to its include path
#               (PUBLIC, as a build-tree path only, so targets that link a library
#               whose headers include a generated one see it too; INTERFACE for an
#               INTERFACE library).
#   MODELS      model files; relative paths are relative to CMAKE_CURRENT_SOURCE_DIR.
#               A model that does not exist at configure time must be the OUTPUT of a
#               custom command (GENERATED).
#   NAMESPACE   the C++ namespace of the generated code.
#   OUTPUT_DIR  default ${CMAKE_CURRENT_BINARY_DIR}/symdiff_generated; relative paths
#               are relative to CMAKE_CURRENT_BINARY_DIR.
#   STRICT      simplify by the rules that are exact in IEEE arithmetic only
#               (`symdiff gen --strict`; docs/float-policy.md).
#   CHECKPOINT  every fold of the models keeps one carry per <steps> steps for its
#               reverse-mode derivative, recomputing the rest (`symdiff gen --checkpoint`;
#               docs/language.md, "Checkpointing").
# A header is regenerated when its model or the symdiff program changes, and only then.
# A model error fails the build with `model.sd:LINE:COL: error: ...` in the build log;
# `symdiff gen` writes atomically, so a failed step leaves no header (or the previous
# one, byte-identical). The headers are listed in the target property
# SYMDIFF_GENERATED_HEADERS. The same model may be generated for several targets of one
# directory: later calls reuse the first call's command instead of running it again.
# Argument mistakes stop the configuration with a message naming the problem.
include_guard(GLOBAL)

# Sets <out> to why <name> cannot be a namespace of generated code, or to "" if it can.
# The keyword list lives in the function: functions are global, variables are not.
function(_symdiff_namespace_problem name out)
  # C++20 keywords and the names generated code reserves: what symdiff gen refuses as a
  # namespace (core/cpp_names.cpp; it also refuses the standard library's macros, which
  # it reports at build time).
  set(cpp_keywords
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t
    char16_t char32_t class compl concept const consteval constexpr constinit const_cast
    continue co_await co_return co_yield decltype default delete do double dynamic_cast
    else enum explicit export extern false float for friend goto if inline int long
    mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected
    public register reinterpret_cast requires return short signed sizeof static
    static_assert static_cast struct switch template this thread_local throw true try
    typedef typeid typename union unsigned using virtual void volatile wchar_t while xor
    xor_eq)
  set(problem "")
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    set(problem "'${name}' is not a C++ identifier (letters, digits and '_', not starting with a digit)")
  elseif(name IN_LIST cpp_keywords)
    set(problem "'${name}' is a C++ keyword")
  elseif(name STREQUAL "std" OR name STREQUAL "symdiff_rt")
    set(problem "'${name}' is reserved: generated code uses the namespace ${name}")
  elseif(name MATCHES "__" OR name MATCHES "^_[A-Z]")
    set(problem "'${name}' is reserved in C++ (names with '__' or starting with '_' and a capital)")
  elseif(name MATCHES "_$")
    set(problem "'${name}': names ending in '_' are reserved for generated code")
  endif()
  set(${out} "${problem}" PARENT_SCOPE)
endfunction()

function(symdiff_generate)
  set(usage "usage: symdiff_generate(<target> MODELS <model.sd>... [NAMESPACE <ns>] [OUTPUT_DIR <dir>] [STRICT] [CHECKPOINT <steps>|sqrt])")
  if(ARGC EQUAL 0 OR ARGV0 MATCHES "^(MODELS|NAMESPACE|OUTPUT_DIR|STRICT|CHECKPOINT)$")
    message(FATAL_ERROR "symdiff_generate: the first argument must be the target that uses "
                        "the generated headers\n${usage}")
  endif()
  set(target "${ARGV0}")
  cmake_parse_arguments(PARSE_ARGV 1 arg "STRICT" "NAMESPACE;OUTPUT_DIR;CHECKPOINT" "MODELS")
  set(flags "") # of symdiff gen
  if(arg_STRICT)
    list(APPEND flags "--strict")
  endif()
  if(DEFINED arg_CHECKPOINT)
    if(NOT arg_CHECKPOINT MATCHES "^([0-9]+|sqrt)$")
      message(FATAL_ERROR "symdiff_generate(${target}): CHECKPOINT takes the steps per segment "
                          "(a whole number; 0 keeps every carry) or sqrt, got '${arg_CHECKPOINT}'\n${usage}")
    endif()
    list(APPEND flags "--checkpoint" "${arg_CHECKPOINT}")
  endif()
  string(JOIN " " flags_text ${flags}) # how the header is made, as one list element
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "symdiff_generate(${target}): unexpected arguments "
                        "'${arg_UNPARSED_ARGUMENTS}'\n${usage}")
  endif()
  foreach(keyword IN LISTS arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "symdiff_generate(${target}): ${keyword} needs a value\n${usage}")
  endforeach()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "symdiff_generate: '${target}' is not a target; create it with "
                        "add_executable() or add_library() before calling symdiff_generate\n${usage}")
  endif()
  get_target_property(aliased "${target}" ALIASED_TARGET)
  if(aliased)
    set(target "${aliased}")
  endif()
  get_target_property(imported "${target}" IMPORTED)
  if(imported)
    message(FATAL_ERROR "symdiff_generate: '${target}' is an imported target; "
                        "generate for a target this project builds")
  endif()
  if(NOT arg_MODELS)
    message(FATAL_ERROR "symdiff_generate(${target}): no models given: MODELS <model.sd>...\n${usage}")
  endif()
  if(NOT TARGET symdiff::symdiff)
    message(FATAL_ERROR "symdiff_generate(${target}): the program target symdiff::symdiff "
                        "does not exist; use find_package(symdiff) or add symdiff with "
                        "add_subdirectory() or FetchContent first")
  endif()
  if(DEFINED arg_NAMESPACE)
    _symdiff_namespace_problem("${arg_NAMESPACE}" problem)
    if(problem)
      message(FATAL_ERROR "symdiff_generate(${target}): cannot use NAMESPACE "
                          "'${arg_NAMESPACE}': ${problem}")
    endif()
  endif()

  if(DEFINED arg_OUTPUT_DIR)
    cmake_path(ABSOLUTE_PATH arg_OUTPUT_DIR BASE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}"
               NORMALIZE OUTPUT_VARIABLE out_dir)
  else()
    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/symdiff_generated")
  endif()
  string(REGEX REPLACE "(.)/+$" "\\1" out_dir "${out_dir}") # no trailing '/'
  file(MAKE_DIRECTORY "${out_dir}")

  # The program as a dependency: an imported program is a file (a reinstall changes it);
  # a program built here is a target, which orders the builds and tracks its file too.
  get_target_property(program symdiff::symdiff ALIASED_TARGET)
  if(NOT program)
    set(program symdiff::symdiff)
  endif()
  get_target_property(program_imported ${program} IMPORTED)
  if(program_imported)
    set(program_dependency "$<TARGET_FILE:${program}>")
  else()
    set(program_dependency ${program})
  endif()

  set(new_headers "")
  set(all_headers "")
  set(reused_steps "")
  set(stems "")
  foreach(model IN LISTS arg_MODELS)
    cmake_path(ABSOLUTE_PATH model BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE
               OUTPUT_VARIABLE model_path)
    cmake_path(GET model_path EXTENSION LAST_ONLY extension)
    if(NOT extension STREQUAL ".sd")
      set(hint "")
      if(model MATCHES "^[A-Z_]+$")
        set(hint " (a misspelt keyword? symdiff_generate takes MODELS, NAMESPACE and OUTPUT_DIR)")
      endif()
      message(FATAL_ERROR "symdiff_generate(${target}): '${model}' is not a model file: "
                          "MODELS takes symdiff models, whose names end in .sd${hint}")
    endif()
    get_source_file_property(generated "${model_path}" GENERATED)
    if(NOT EXISTS "${model_path}" AND NOT generated)
      message(FATAL_ERROR "symdiff_generate(${target}): model '${model}' not found "
                          "(looked for ${model_path})")
    endif()
    cmake_path(GET model_path STEM LAST_ONLY stem)
    if(stem IN_LIST stems)
      message(FATAL_ERROR "symdiff_generate(${target}): two models named '${stem}.sd' would "
                          "both write ${stem}.hpp; generate one of them in another call "
                          "with its own OUTPUT_DIR")
    endif()
    list(APPEND stems "${stem}")
    if(DEFINED arg_NAMESPACE)
      set(ns "${arg_NAMESPACE}")
    else()
      _symdiff_namespace_problem("${stem}" problem)
      if(problem)
        message(FATAL_ERROR "symdiff_generate(${target}): the generated code of '${model}' "
                            "would be in namespace '${stem}' (the file name), but ${problem}; "
                            "rename the file or give NAMESPACE <ns>")
      endif()
      set(ns "${stem}")
    endif()

    set(header "${out_dir}/${stem}.hpp")
    list(APPEND all_headers "${header}")
    # One command per header: a later call for the same header reuses the first one.
    get_property(previous GLOBAL PROPERTY "_SYMDIFF_GENERATE_${header}")
    if(previous)
      list(GET previous 0 previous_model)
      list(GET previous 1 previous_ns)
      list(GET previous 2 previous_dir)
      list(GET previous 3 previous_flags)
      list(GET previous 4 previous_step)
      if(previous_model STREQUAL model_path AND previous_ns STREQUAL ns
         AND previous_dir STREQUAL CMAKE_CURRENT_SOURCE_DIR
         AND previous_flags STREQUAL flags_text)
        list(APPEND reused_steps ${previous_step})
        continue()
      endif()
      message(FATAL_ERROR "symdiff_generate(${target}): '${model}' would write ${header}, "
                          "which is already generated from ${previous_model} (namespace "
                          "${previous_ns}, in ${previous_dir}, options '${previous_flags}'); give this call "
                          "another OUTPUT_DIR")
    endif()

    cmake_path(RELATIVE_PATH header BASE_DIRECTORY "${CMAKE_BINARY_DIR}" OUTPUT_VARIABLE shown)
    cmake_path(GET model_path FILENAME model_name)
    add_custom_command(
      OUTPUT "${header}"
      COMMAND symdiff::symdiff gen "${model_path}" -o "${header}" --namespace "${ns}" ${flags}
      DEPENDS "${model_path}" ${program_dependency}
      COMMENT "Generating ${shown} from ${model_name} (symdiff gen)"
      VERBATIM)
    list(APPEND new_headers "${header}")
    set_property(GLOBAL PROPERTY "_SYMDIFF_GENERATE_${header}"
                 "${model_path};${ns};${CMAKE_CURRENT_SOURCE_DIR};${flags_text};")
  endforeach()

  # The step that owns this call's commands, so that any number of targets (in any
  # directory, with any generator) can wait for the headers without running them twice.
  if(new_headers)
    set(step "symdiff_generate_${target}")
    set(n 1)
    while(TARGET "${step}")
      math(EXPR n "${n} + 1")
      set(step "symdiff_generate_${target}_${n}")
    endwhile()
    add_custom_target("${step}" DEPENDS ${new_headers})
    set_target_properties("${step}" PROPERTIES FOLDER symdiff)
    foreach(header IN LISTS new_headers)
      get_property(record GLOBAL PROPERTY "_SYMDIFF_GENERATE_${header}")
      set_property(GLOBAL PROPERTY "_SYMDIFF_GENERATE_${header}" "${record}${step}")
    endforeach()
    add_dependencies("${target}" "${step}")
  endif()
  if(reused_steps)
    list(REMOVE_DUPLICATES reused_steps)
    add_dependencies("${target}" ${reused_steps})
  endif()

  get_target_property(type "${target}" TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories("${target}" INTERFACE "$<BUILD_INTERFACE:${out_dir}>")
  else()
    target_include_directories("${target}" PUBLIC "$<BUILD_INTERFACE:${out_dir}>")
  endif()
  set_property(TARGET "${target}" APPEND PROPERTY SYMDIFF_GENERATED_HEADERS ${all_headers})
endfunction()
