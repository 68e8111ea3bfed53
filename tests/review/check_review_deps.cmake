# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
# Fails when a review-ui source includes a reading stage or OpenCV (issue 15: the review stage
# links store and templates only). Run by ctest: cmake -DREVIEW_DIR=... -P check_review_deps.cmake
file(GLOB_RECURSE sources "${REVIEW_DIR}/*.h" "${REVIEW_DIR}/*.cpp" "${REVIEW_DIR}/*.cmake")
set(bad "")
foreach(f IN LISTS sources)
  if(f MATCHES "/assets/|/tests/")
    continue()
  endif()
  file(STRINGS "${f}" lines REGEX "#include[ \t]*[<\"](recognition/|scanner/|simulator/|opencv2/|tesseract/|ZXing/)")
  foreach(l IN LISTS lines)
    list(APPEND bad "${f}: ${l}")
  endforeach()
endforeach()
if(bad)
  string(REPLACE ";" "\n" bad "${bad}")
  message(FATAL_ERROR "review-ui must not use a reading stage or OpenCV:\n${bad}")
endif()
message(STATUS "review-ui includes no reading stage")
