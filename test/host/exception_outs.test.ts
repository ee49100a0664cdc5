/**
 * exceptionOuts (src/subsystems/exc_args.ts): the get routines' literal-keyed object is the
 * general computed-key one, keys in the same order (the reply encoder reads them by name), for
 * the get routines' "old_handlers" and the swap routines' names alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { exceptionOuts } from "../../src/subsystems/exc_args.js";

const general = (info: { masks: number[]; ports: unknown[]; behaviors: number[]; flavors: number[] }, handlers: string): Record<string, unknown> => ({
  masks: info.masks,
  [handlers]: info.ports,
  old_behaviors: info.behaviors,
  old_flavors: info.flavors,
});

test("exceptionOuts gives the general object for every handlers' name, the same arrays in the same key order", () => {
  const info = { masks: [2, 0x1c], ports: [null, {}], behaviors: [1, 0x80000003], flavors: [0, 7] };
  for (const handlers of [undefined, "old_handlers", "old_handlerss", "handlers"]) {
    const name = handlers ?? "old_handlers";
    const got = handlers === undefined ? exceptionOuts(info) : exceptionOuts(info, handlers);
    const want = general(info, name);
    assert.deepEqual(got, want);
    assert.deepEqual(Object.keys(got), Object.keys(want));
    assert.equal(got[name], info.ports);
    assert.equal(got["masks"], info.masks);
  }
});
