/**
 * A thread's machine state and thread_get_state / thread_set_state
 * (machine_thread_get_state / machine_thread_set_state) for a 64-bit thread
 * on x86_64 or arm64: which flavors are served, the count each needs, and the
 * unified flavors that prefix the state with {flavor, count}.
 */
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import * as ts from "../abi/thread_status.js";
import type { Arch } from "../abi/thread_status.js";

/** One register file of the thread. */
type Store = "gpr" | "fpu" | "exc" | "dbg" | "avx";

interface FlavorSpec {
  store: Store;
  /** Words of state (without a unified header). */
  words: number;
  /** Unified flavors put {base flavor, words} before the state. */
  header?: number;
  settable: boolean;
  /** machine_thread_get_state wants exactly this count, not at least it (the AVX flavors). */
  exactGet?: boolean;
  /**
   * A unified flavor whose set checks its header against another flavor's:
   * xnu-3248's x86_AVX_STATE set accepts only {x86_AVX_STATE64, x86_FLOAT_STATE64_COUNT}
   * and sets the float part alone.
   */
  setHeader?: { flavor: number; words: number };
}

// The float state is the legacy (fxsave) part of the AVX save area: one store, two views.
const X86: Record<number, FlavorSpec> = {
  [ts.x86_THREAD_STATE64]: { store: "gpr", words: 42, settable: true },
  [ts.x86_THREAD_STATE]: { store: "gpr", words: 42, header: ts.x86_THREAD_STATE64, settable: true },
  [ts.x86_FLOAT_STATE64]: { store: "avx", words: 131, settable: true },
  [ts.x86_FLOAT_STATE]: { store: "avx", words: 131, header: ts.x86_FLOAT_STATE64, settable: true },
  [ts.x86_EXCEPTION_STATE64]: { store: "exc", words: 4, settable: false },
  [ts.x86_EXCEPTION_STATE]: { store: "exc", words: 4, header: ts.x86_EXCEPTION_STATE64, settable: false },
  [ts.x86_DEBUG_STATE64]: { store: "dbg", words: 16, settable: true },
  [ts.x86_DEBUG_STATE]: { store: "dbg", words: 16, header: ts.x86_DEBUG_STATE64, settable: true },
  [ts.x86_AVX_STATE64]: { store: "avx", words: 211, settable: true, exactGet: true },
  [ts.x86_AVX_STATE]: {
    store: "avx",
    words: 211,
    header: ts.x86_AVX_STATE64,
    settable: true,
    setHeader: { flavor: ts.x86_AVX_STATE64, words: ts.x86_FLOAT_STATE64_COUNT },
  },
};

const ARM: Record<number, FlavorSpec> = {
  [ts.ARM_THREAD_STATE64]: { store: "gpr", words: 68, settable: true },
  [ts.ARM_THREAD_STATE]: { store: "gpr", words: 68, header: ts.ARM_THREAD_STATE64, settable: true },
  [ts.ARM_EXCEPTION_STATE64]: { store: "exc", words: 4, settable: false },
  [ts.ARM_NEON_STATE64]: { store: "fpu", words: 132, settable: true },
  [ts.ARM_DEBUG_STATE64]: { store: "dbg", words: 130, settable: true },
};

/** The flavor lists a thread reports for THREAD_STATE_FLAVOR_LIST and its newer variants. */
const FLAVOR_LISTS: Record<Arch, Record<number, number[]>> = {
  x86_64: {
    // pcb.c's original list names the i386 flavors (1, 2, 3), even for a 64-bit thread.
    [ts.THREAD_STATE_FLAVOR_LIST]: [ts.i386_THREAD_STATE, ts.i386_FLOAT_STATE, ts.i386_EXCEPTION_STATE],
    [ts.THREAD_STATE_FLAVOR_LIST_NEW]: [ts.x86_THREAD_STATE, ts.x86_FLOAT_STATE, ts.x86_EXCEPTION_STATE, ts.x86_DEBUG_STATE],
    [ts.THREAD_STATE_FLAVOR_LIST_10_9]: [ts.x86_THREAD_STATE, ts.x86_FLOAT_STATE, ts.x86_EXCEPTION_STATE, ts.x86_DEBUG_STATE, ts.x86_AVX_STATE],
  },
  arm64: {
    [ts.THREAD_STATE_FLAVOR_LIST]: [ts.ARM_THREAD_STATE, ts.ARM_VFP_STATE, ts.ARM_EXCEPTION_STATE, ts.ARM_DEBUG_STATE],
    // A 64-bit thread's exception and debug flavors (arm64's status.c; there is no _10_9 list there).
    [ts.THREAD_STATE_FLAVOR_LIST_NEW]: [ts.ARM_THREAD_STATE, ts.ARM_VFP_STATE, ts.ARM_EXCEPTION_STATE64, ts.ARM_DEBUG_STATE64],
  },
};

const STORE_WORDS: Record<Arch, Record<Store, number>> = {
  x86_64: { gpr: 42, fpu: 0, exc: 4, dbg: 16, avx: 211 },
  arm64: { gpr: 68, fpu: 132, exc: 4, dbg: 130, avx: 0 },
};

export interface StateResult {
  kr: KernReturn;
  /** The state as 32-bit words (little-endian bytes), `count` words long. */
  state: Uint32Array;
}

/** x86-64 user addresses must be canonical (bits 63..47 all equal). */
const canonical = (v: bigint): boolean => {
  const top = v >> 47n;
  return top === 0n || top === 0x1ffffn;
};

/**
 * The general registers as they were when the snapshot was taken, read only
 * when asked: an exception's outcome carries one, and most raisers never look
 * (a 42-word copy is a fresh off-heap buffer, a sixth of an exception round
 * trip). Until the registers change, reading copies the live registers; the
 * first change after the snapshot copies them into it first.
 */
export class GeneralSnapshot {
  /** The registers at snapshot time, once they have changed since. */
  frozen: Uint32Array | null = null;
  constructor(private readonly machine: MachineState) {}

  /** A fresh copy of the snapshot's words (x86_THREAD_STATE64 or ARM_THREAD_STATE64). */
  read(): Uint32Array {
    return this.frozen ? this.frozen.slice() : this.machine.generalState();
  }
}

export class MachineState {
  readonly arch: Arch;
  private readonly stores: Record<Store, Uint32Array>;
  /** The snapshot handed out since the general registers last changed (shared by every taker). */
  private snapshot: GeneralSnapshot | null = null;

  constructor(arch: Arch) {
    this.arch = arch;
    const w = STORE_WORDS[arch];
    this.stores = { gpr: new Uint32Array(w.gpr), fpu: new Uint32Array(w.fpu), exc: new Uint32Array(w.exc), dbg: new Uint32Array(w.dbg), avx: new Uint32Array(w.avx) };
    if (arch === "x86_64") {
      // A fresh user thread: user code and stack segments, interrupts enabled.
      this.setReg("cs", 0x2bn);
      this.setReg("rflags", 0x202n);
    }
  }

  private spec(flavor: number): FlavorSpec | undefined {
    return (this.arch === "x86_64" ? X86 : ARM)[flavor];
  }

  /** _MachineStateCount[flavor]: what the kernel asks for when it fetches state itself. */
  countFor(flavor: number): number {
    return ts.machineStateCount(this.arch, flavor) ?? 0;
  }

  /** The general registers in the 64-bit flavor (x86_THREAD_STATE64 or ARM_THREAD_STATE64), a fresh copy. */
  generalState(): Uint32Array {
    const flavor = this.arch === "x86_64" ? ts.x86_THREAD_STATE64 : ts.ARM_THREAD_STATE64;
    return this.get(flavor, this.countFor(flavor)).state;
  }

  /** The general registers as they are now, copied only if read (GeneralSnapshot). */
  generalSnapshot(): GeneralSnapshot {
    return (this.snapshot ??= new GeneralSnapshot(this));
  }

  /** The general registers are about to change: the outstanding snapshot keeps what they were. */
  private beforeGprChange(): void {
    const snap = this.snapshot;
    if (!snap) return;
    this.snapshot = null;
    snap.frozen = this.generalState();
  }

  /** thread_get_state: `count` is the caller's capacity in words. */
  get(flavor: number, count: number): StateResult {
    const list = FLAVOR_LISTS[this.arch][flavor];
    if (list) {
      if (count < list.length) return { kr: KERN_INVALID_ARGUMENT, state: new Uint32Array(0) };
      return { kr: KERN_SUCCESS, state: Uint32Array.from(list) };
    }
    const s = this.spec(flavor);
    if (!s) return { kr: KERN_INVALID_ARGUMENT, state: new Uint32Array(0) };
    const need = s.words + (s.header !== undefined ? 2 : 0);
    if (s.exactGet ? count !== need : count < need) return { kr: KERN_INVALID_ARGUMENT, state: new Uint32Array(0) };
    const out = new Uint32Array(need);
    let at = 0;
    if (s.header !== undefined) {
      out[0] = s.header;
      out[1] = s.words;
      at = 2;
    }
    out.set(this.stores[s.store].subarray(0, s.words), at);
    return { kr: KERN_SUCCESS, state: out };
  }

  /** thread_set_state: the count must be exactly the flavor's. */
  set(flavor: number, state: Uint32Array): KernReturn {
    const s = this.spec(flavor);
    if (!s || !s.settable) return KERN_INVALID_ARGUMENT;
    let words = state;
    if (s.header !== undefined) {
      const h = s.setHeader ?? { flavor: s.header, words: s.words };
      if (state.length !== s.words + 2 || state[0] !== h.flavor || state[1] !== h.words) return KERN_INVALID_ARGUMENT;
      words = state.subarray(2, 2 + h.words);
    } else if (state.length !== s.words) return KERN_INVALID_ARGUMENT;
    if (this.arch === "x86_64" && s.store === "gpr") {
      const rsp = word64(words, 7);
      const rip = word64(words, 16);
      if (!canonical(rsp) || !canonical(rip)) return KERN_INVALID_ARGUMENT;
    }
    if (s.store === "gpr") this.beforeGprChange();
    this.stores[s.store].set(words);
    return KERN_SUCCESS;
  }

  /** Read a named 64-bit general register (rip, rsp, pc, x0, ...). */
  reg(name: string): bigint {
    const i = this.regIndex(name);
    return word64(this.stores.gpr, i);
  }

  setReg(name: string, value: bigint): void {
    const i = this.regIndex(name);
    const v = BigInt.asUintN(64, value);
    this.beforeGprChange();
    this.stores.gpr[2 * i] = Number(v & 0xffffffffn);
    this.stores.gpr[2 * i + 1] = Number(v >> 32n);
  }

  /** Record the fault address and code in the exception state, as a trap would. */
  setException(faultAddress: bigint, code: number, exceptionNumber: number): void {
    const e = this.stores.exc;
    if (this.arch === "x86_64") {
      e[0] = exceptionNumber & 0xffff; // trapno (u16), cpu (u16) = 0
      e[1] = code >>> 0; // err
    } else {
      e[2] = code >>> 0; // esr
      e[3] = exceptionNumber >>> 0;
    }
    const at = this.arch === "x86_64" ? 2 : 0;
    const v = BigInt.asUintN(64, faultAddress);
    e[at] = Number(v & 0xffffffffn);
    e[at + 1] = Number(v >> 32n);
  }

  private regIndex(name: string): number {
    const regs: readonly string[] = this.arch === "x86_64" ? ts.X86_THREAD_STATE64_REGS : ts.ARM_THREAD_STATE64_REGS;
    const i = regs.indexOf(name);
    if (i < 0) throw new Error(`no register ${name} on ${this.arch}`);
    return i;
  }
}

function word64(words: Uint32Array, i: number): bigint {
  return BigInt(words[2 * i]!) | (BigInt(words[2 * i + 1]!) << 32n);
}
