/* SPDX-License-Identifier: MIT */
/* The README's API example, compiled and run as the `readme.example` test so
 * that the documentation cannot drift from the API. The example itself is
 * copied out of README.md at build time (readme_extract.cmake) into
 * readme_example_block.c in the build tree; this file only includes it. */
#include "readme_example_block.c"
