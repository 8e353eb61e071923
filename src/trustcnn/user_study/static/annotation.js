// The annotation page where JavaScript runs: arrow keys move between cells, and a brush finer
// than the cells paints (or erases) pixels at the image's own resolution. Without this file the
// page works the same with Tab, Space and clicks: the cells are checkboxes in a form. The brush
// travels in the form's hidden "brush" field: the base64 of its pixels' bits, packed row-major,
// most significant bit first (numpy.packbits), or "" when it marks nothing.
"use strict";
(function () {
  const board = document.querySelector(".board");
  const field = document.getElementById("brush");
  if (!board || !field) return;
  const cols = Number(board.dataset.cols);
  const height = Number(board.dataset.height);
  const width = Number(board.dataset.width);
  const cells = Array.from(board.querySelectorAll(".cell input"));

  board.addEventListener("keydown", (event) => {
    const index = cells.indexOf(event.target);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols }[event.key];
    if (index < 0 || step === undefined) return;
    const next = index + step;
    const sameRow = Math.abs(step) !== 1 || Math.floor(next / cols) === Math.floor(index / cols);
    if (next >= 0 && next < cells.length && sameRow) cells[next].focus();
    event.preventDefault();
  });

  const pixels = new Uint8Array(height * width);
  const bytes = field.value ? atob(field.value) : "";
  for (let i = 0; bytes && i < pixels.length; i++) pixels[i] = (bytes.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.setAttribute("aria-hidden", "true");
  board.appendChild(canvas);
  const context = canvas.getContext("2d");
  const size = Math.max(1, Math.round(Math.min(height, width) / 16)); // brush side, in image pixels
  let mode = "cells";
  let last = null;

  function encode() {
    if (!pixels.some((value) => value)) return "";
    const packed = new Uint8Array(Math.ceil(pixels.length / 8));
    pixels.forEach((value, i) => { if (value) packed[i >> 3] |= 0x80 >> (i & 7); });
    return btoa(Array.from(packed, (b) => String.fromCharCode(b)).join(""));
  }

  function render() {
    const image = context.createImageData(width, height);
    pixels.forEach((value, i) => { if (value) image.data.set([20, 86, 184, 170], 4 * i); });
    context.putImageData(image, 0, 0);
    field.value = encode();
  }

  function paint(x, y) {
    const value = mode === "brush" ? 1 : 0;
    const top = y - Math.floor(size / 2), left = x - Math.floor(size / 2);
    for (let r = Math.max(0, top); r < Math.min(height, top + size); r++) {
      for (let c = Math.max(0, left); c < Math.min(width, left + size); c++) pixels[r * width + c] = value;
    }
  }

  function at(event) {
    const box = canvas.getBoundingClientRect();
    const x = Math.floor(((event.clientX - box.left) / box.width) * width);
    const y = Math.floor(((event.clientY - box.top) / box.height) * height);
    return [Math.min(width - 1, Math.max(0, x)), Math.min(height - 1, Math.max(0, y))];
  }

  function stroke(to) {
    const from = last || to;
    const steps = Math.max(Math.abs(to[0] - from[0]), Math.abs(to[1] - from[1]), 1);
    for (let s = 0; s <= steps; s++) {
      paint(Math.round(from[0] + ((to[0] - from[0]) * s) / steps), Math.round(from[1] + ((to[1] - from[1]) * s) / steps));
    }
    last = to;
    render();
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (mode === "cells") return;
    canvas.setPointerCapture(event.pointerId);
    last = null;
    stroke(at(event));
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => { if (last) stroke(at(event)); });
  canvas.addEventListener("pointerup", () => { last = null; });
  canvas.addEventListener("pointercancel", () => { last = null; });

  const tools = document.createElement("div");
  tools.className = "tools";
  tools.setAttribute("role", "toolbar");
  tools.setAttribute("aria-label", "marking tools");
  const buttons = {};
  for (const [name, label] of [["cells", "Tick cells"], ["brush", "Brush"], ["eraser", "Eraser"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", () => choose(name));
    buttons[name] = button;
    tools.appendChild(button);
  }
  const clear = document.createElement("button");
  clear.type = "button";
  clear.textContent = "Clear brush";
  clear.addEventListener("click", () => { pixels.fill(0); render(); });
  tools.appendChild(clear);
  board.after(tools);

  function choose(name) {
    mode = name;
    board.classList.toggle("brushing", name !== "cells");
    for (const [other, button] of Object.entries(buttons)) button.setAttribute("aria-pressed", String(other === name));
  }

  choose("cells");
  render();
})();
