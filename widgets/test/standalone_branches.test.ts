// The replay page's model answers syncs as the kernel does for a canvas with branches: a plain
// sync gets the main run's chunks from `have` on, a sync naming a branch gets that branch's
// chunks ("branch_chunk", embedded after the main run's), and a branch it does not hold nothing.
import { describe, expect, it, vi } from "vitest";
import { LocalModel, type EmbeddedChunk } from "../src/standalone";
import { Encoder, type Ev } from "./helpers";

const RUN: Ev[] = [
  { t: 0, kind: "node_join", node: "n0" },
  { t: 0.5, kind: "actor_spawn", node: "n0", actor: "a" },
];

/** Two chunks of the main run, then one of the branch "what-if", as save_html embeds them. */
function embedded(): EmbeddedChunk[] {
  const main = new Encoder();
  const fork = new Encoder();
  const out: EmbeddedChunk[] = [main.chunk(RUN.slice(0, 1)), main.chunk(RUN.slice(1))].map((c) => ({ header: c.header, data: c.bytes }));
  const b = fork.chunk(RUN);
  out.push({ header: { ...b.header, type: "branch_chunk", branch: "what-if" } as unknown as EmbeddedChunk["header"], data: b.bytes });
  return out;
}

describe("LocalModel with branches", () => {
  it("answers each sync with the chunks of the run it names, in order", async () => {
    const model = new LocalModel({}, embedded());
    const got: string[] = [];
    model.on("msg:custom", (h: { type: string; index: number; branch?: string; rows: number }) => {
      got.push(`${h.branch ?? "main"}:${h.type}:${h.index}:${h.rows}`);
    });
    model.send({ type: "sync", have: 0 });
    await vi.waitFor(() => expect(got).toHaveLength(2));
    expect(got).toEqual(["main:chunk:0:1", "main:chunk:1:1"]);

    model.send({ type: "sync", have: 0, branch: "what-if" });
    await vi.waitFor(() => expect(got).toHaveLength(3));
    expect(got[2]).toBe("what-if:branch_chunk:0:2");

    // a branch the page does not hold gets nothing; a resync of the main run from 1 gets the
    // second chunk only (answers come in the order asked, so anything for "nope" came first)
    model.send({ type: "sync", have: 0, branch: "nope" });
    model.send({ type: "sync", have: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(4));
    expect(got[3]).toBe("main:chunk:1:1");
  });
});
