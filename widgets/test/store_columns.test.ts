// The store keeps each column at the width the kernel sent it in, widening only when a chunk
// of a wider type arrives; the values read back are the same at any width.
import { describe, expect, it } from "vitest";
import { Column } from "../src/store";

describe("Column", () => {
  it("keeps int8 codes narrow and widens once for an int16 chunk", () => {
    const c = new Column(Int8Array);
    c.reserve(10);
    c.appendArray(Int8Array.from([-1, 0, 127]));
    expect(c.data).toBeInstanceOf(Int8Array);
    c.appendArray(Int16Array.from([128, 30000, -1]));
    expect(c.data).toBeInstanceOf(Int16Array);
    c.appendArray(Int8Array.from([5])); // a later narrow chunk is copied into the wider column
    expect(c.data).toBeInstanceOf(Int16Array);
    expect(c.length).toBe(7);
    expect(Array.from(c.data.subarray(0, c.length))).toEqual([-1, 0, 127, 128, 30000, -1, 5]);
  });

  it("widens float32 durations to float64 exactly, NaN kept", () => {
    const c = new Column(Float32Array);
    c.appendArray(Float32Array.from([0.5, NaN]));
    c.appendArray(Float64Array.from([0.1]));
    expect(c.data).toBeInstanceOf(Float64Array);
    expect(c.data[0]).toBe(0.5);
    expect(Number.isNaN(c.data[1])).toBe(true);
    expect(c.data[2]).toBe(0.1);
  });

  it("grows past its capacity chunk by chunk", () => {
    const c = new Column(Uint8Array);
    for (let i = 0; i < 5; i++) c.appendArray(new Uint8Array(1000).fill(i));
    expect(c.length).toBe(5000);
    expect(c.data[4999]).toBe(4);
    expect(c.data[0]).toBe(0);
  });
});
