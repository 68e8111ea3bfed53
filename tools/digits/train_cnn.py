#!/usr/bin/python3
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
"""Trains the comb-digit network on the sets `phieu_train_digits --dump` wrote and exports it
as ONNX for `phieu_train_digits --onnx` (which adds the calibration and writes the model file).

Developer tool only (Debian python3-torch); nothing at build, test or run time needs Python.
Input: NormalizeDigit's 28x28 pictures, 0..1. Output: 10 logits (no softmax: the calibration
works on the margin between the two best). Deterministic for a given torch build (fixed seeds,
single-threaded data order)."""

import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(folder, name):
    x = np.fromfile(os.path.join(folder, name + ".x"), dtype=np.uint8).reshape(-1, 1, 28, 28)
    y = np.fromfile(os.path.join(folder, name + ".y"), dtype=np.uint8).astype(np.int64)
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y)


class Net(nn.Module):
    """LeNet-like: two conv blocks (28 -> 14 -> 7), a third conv, one hidden layer. ~0.1 M
    weights: a fraction of a millisecond per digit in OpenCV's dnn on one core."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 5, padding=2)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.b2 = nn.BatchNorm2d(32)
        self.c3 = nn.Conv2d(32, 32, 3, padding=1)
        self.b3 = nn.BatchNorm2d(32)
        self.c4 = nn.Conv2d(32, 64, 3, padding=1)
        self.b4 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 3 * 3, 128)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)   # 14x14
        x = F.relu(self.b2(self.c2(x)))
        x = F.max_pool2d(F.relu(self.b3(self.c3(x))), 2)   # 7x7
        x = F.max_pool2d(F.relu(self.b4(self.c4(x))), 2)   # 3x3
        x = torch.flatten(x, 1)
        return self.fc2(self.drop(F.relu(self.fc1(x))))


def shift(x, gen):
    """Random shifts of up to 2 px and slight scaling: the normalisation centres by mass, and
    a broken or clipped digit moves its centre."""
    n = x.shape[0]
    theta = torch.zeros(n, 2, 3)
    s = 1.0 + (torch.rand(n, generator=gen) - 0.5) * 0.16
    theta[:, 0, 0] = s
    theta[:, 1, 1] = s
    theta[:, :, 2] = (torch.rand(n, 2, generator=gen) - 0.5) * (4.0 / 14.0)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(x[i:i + 1024]).argmax(1) for i in range(0, len(x), 1024)])
    return (pred == y).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", required=True, help="folder from phieu_train_digits --dump")
    ap.add_argument("--onnx", required=True, help="network to write")
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    torch.manual_seed(20260422)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(7)
    xt, yt = load(args.sets, "train")
    xc, yc = load(args.sets, "calib")
    print(f"train {len(xt)}, calibration {len(xc)}", file=sys.stderr)
    net = Net()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = args.epochs * ((len(xt) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), 128):
            idx = order[i:i + 128]
            xb = shift(xt[idx], gen)
            loss = F.cross_entropy(net(xb), yt[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}: loss {total / len(xt):.4f}, calibration top-1 "
              f"{100 * accuracy(net, xc, yc):.2f}%", file=sys.stderr)
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), args.onnx, input_names=["digit"],
                      output_names=["logits"], opset_version=11,
                      dynamic_axes={"digit": {0: "n"}, "logits": {0: "n"}})
    print(f"wrote {args.onnx} ({os.path.getsize(args.onnx)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
