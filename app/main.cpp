// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <iostream>
int main() { std::cout << "phieu\n"; return 0; }
