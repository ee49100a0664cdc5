/**
 * osfmk/kern/exception.c (xnu-3248): exception delivery, thread level then
 * task then host, in the exc or mach_exc format, as a kernel RPC that waits
 * for the handler's reply on the thread's kernel reply port.
 */
import {
  EXC_CORPSE_NOTIFY,
  EXC_CRASH,
  EXC_TYPES_COUNT,
  EXCEPTION_DEFAULT,
  EXCEPTION_STATE,
  EXCEPTION_STATE_IDENTITY,
  MACH_EXCEPTION_CODES,
} from "../abi/exception.js";
import { IKOT_NONE } from "../abi/ikot.js";
import { KERN_FAILURE, KERN_SUCCESS, MIG_REPLY_MISMATCH, MIG_SERVER_DIED, MIG_TYPE_ERROR } from "../abi/kern_return.js";
import {
  MACH_MSG_SUCCESS,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_MSG_TYPE_PORT_SEND_ONCE,
  MACH_MSGH_BITS_COMPLEX,
  MACH_RCV_INTERRUPTED,
  MACH_RCV_MSG,
  MACH_RCV_PORT_DIED,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_KERNEL_DEFAULT,
  msghBits,
} from "../abi/message.js";
import { MACH_NOTIFY_SEND_ONCE } from "../abi/port.js";
import { MACH_MSG_HEADER, PORT_DESCRIPTOR } from "../abi/msg_layout.js";
import { rdI32, rdU32, wrU32 } from "../abi/bytes.js";
import { IpcKmsg, KDESC_PORT_RUN, type KDesc, type KPortRunDesc } from "../ipc/kmsg.js";
import { kmsgDestroy } from "../ipc/kmsg_destroy.js";
import { kmsgDataRelease, kmsgReusable, kmsgWithWords, WORDS_MAX } from "../ipc/kmsg_buffer.js";
import { LITTLE_ENDIAN } from "../ipc/user_words.js";
import { mqueueReceiveKernel, takeHandedOff, type IpcMqueue, type RcvResult, type RcvWaiter } from "../ipc/mqueue.js";
import { ipValid, type IpcPort } from "../ipc/port.js";
import { portDestroy, portCopySend, portMakeSendOnce, portReleaseSend, portReleaseSendOnce } from "../ipc/right.js";
import { ipcKmsgSend, kmsgGetFromKernel } from "../ipc/send.js";
import { encodeRequest, type UserArgs } from "../mig/user.js";
import type { Routine } from "../mig/routine.js";
import { EXC_STATE_MAX, exceptionRoutine } from "../subsystems/exc.js";
import type { ExceptionAction } from "./exc_action.js";
import type { GeneralSnapshot } from "./thread_state.js";
import { kobjectAlloc } from "./ipc_kobject.js";
import type { Thread } from "./thread.js";

export type ExceptionLevel = "thread" | "task" | "host";

export interface LevelAttempt {
  level: ExceptionLevel;
  /** What delivery at this level returned (KERN_FAILURE when no handler was set). */
  kr: number;
}

export interface ExceptionOutcome {
  /** The level whose handler answered KERN_SUCCESS, or null when nobody handled it. */
  handledBy: ExceptionLevel | null;
  /** The thread's general registers after delivery (x86_THREAD_STATE64 or ARM_THREAD_STATE64 words). */
  state: Uint32Array;
  /** The last level's result, as exception_triage returns it. */
  kr: number;
  attempts: LevelAttempt[];
}

export interface RaiseOptions {
  /**
   * Give up waiting for a handler after this many milliseconds, as if the
   * thread were interrupted (MACH_RCV_INTERRUPTED). XNU itself waits forever.
   */
  timeoutMs?: number;
}

/**
 * The levels asked, in order, as a triage records them: at most three, each level's index
 * (LEVELS) in two bits and its answer in a field of its own, so that recording them makes
 * nothing (an exception's attempts array and its records were a fifth of what it allocated).
 */
interface AttemptLog {
  /** How many levels were asked (0..3). */
  n: number;
  /** The i-th level asked's index in bits 2i..2i+1. */
  levels: number;
  kr0: number;
  kr1: number;
  kr2: number;
}

/**
 * What exception_triage came to. `state` is the general registers as they were
 * when triage ended, copied on first read (GeneralSnapshot): most raisers never look.
 * `attempts` is made from the triage's log on first read, as well.
 */
class Outcome implements ExceptionOutcome {
  // Declared, not defined: the constructor assigns every field, so there is no class-field
  // initializer to run first (an outcome is made per exception, by a constructor V8 does not inline there).
  declare handledBy: ExceptionLevel | null;
  declare kr: number;
  declare private words: Uint32Array | null;
  declare private list: LevelAttempt[] | null;
  declare private readonly n: number;
  declare private readonly levels: number;
  declare private readonly kr0: number;
  declare private readonly kr1: number;
  declare private readonly kr2: number;
  declare private readonly snapshot: GeneralSnapshot;
  constructor(handledBy: ExceptionLevel | null, kr: number, log: AttemptLog, snapshot: GeneralSnapshot) {
    this.handledBy = handledBy;
    this.kr = kr;
    this.words = null;
    this.list = null;
    this.n = log.n;
    this.levels = log.levels;
    this.kr0 = log.kr0;
    this.kr1 = log.kr1;
    this.kr2 = log.kr2;
    this.snapshot = snapshot;
  }

  get state(): Uint32Array {
    return (this.words ??= this.snapshot.read());
  }
  set state(words: Uint32Array) {
    this.words = words;
  }

  get attempts(): LevelAttempt[] {
    if (this.list === null) {
      const list: LevelAttempt[] = [];
      for (let i = 0; i < this.n; i++) list.push({ level: LEVELS[(this.levels >>> (2 * i)) & 3]!, kr: i === 0 ? this.kr0 : i === 1 ? this.kr1 : this.kr2 });
      this.list = list;
    }
    return this.list;
  }
  set attempts(list: LevelAttempt[]) {
    this.list = list;
  }

  toJSON(): object {
    return { handledBy: this.handledBy, state: this.state, kr: this.kr, attempts: this.attempts };
  }
}

const NO_RAISE_OPTIONS: RaiseOptions = Object.freeze({});

/** The resolving function a raiser's Promise settles with: an outcome, or a rejected Promise for a failure. */
type Settle = (o: ExceptionOutcome | PromiseLike<ExceptionOutcome>) => void;

/**
 * The triage whose Promise is being made (startTriage), which the one executor for all gives its
 * resolving function to: no closure per exception, and only that function is kept (a failure
 * settles with a rejected Promise), each a pointer written into a long-lived triage.
 */
let making: Triage | null = null;
const giveSettle = (settle: Settle): void => {
  making!.settle = settle;
};

/**
 * exception_triage: offer the exception to the thread's, the task's and the
 * host's handler in turn; stop at KERN_SUCCESS or MACH_RCV_PORT_DIED.
 * Only `codes[0]` and `codes[1]` are sent (as code and subcode); each is a bigint or an integral number.
 */
export function exceptionTriage(thread: Thread, exception: number, codes: readonly (number | bigint)[], opts: RaiseOptions = NO_RAISE_OPTIONS): Promise<ExceptionOutcome> {
  const c0 = codes[0] ?? 0;
  const c1 = codes[1] ?? 0;
  if (thread.inException) return raiseAfter(thread, exception, c0, c1, opts);
  // The thread's one exception is this one from here until its triage ends (passOn).
  thread.inException = true;
  return startTriage(thread, exception, c0, c1, opts);
}

/**
 * A triage of the thread's is over: the next exception waiting, if any, is raised a microtask
 * later and the thread's one exception is that one meanwhile (a raise in this step waits behind
 * it); else the thread has none out. Every triage ends here once, however it ended: at once
 * (no handler asked), settled, or failed.
 */
function passOn(thread: Thread): void {
  const next = thread.exceptionQueue?.shift();
  if (next !== undefined) void RESOLVED.then(next);
  else thread.inException = false;
}

/** Exceptions a thread may have waiting behind the one it has out (raiseAfter): a bound on what raising holds. */
export const EXCEPTIONS_WAITING_MAX = 16;

/**
 * exception_triage blocks its thread until the handler answers, so a thread never has two
 * exceptions out at once; a caller here can raise a second meanwhile. It is raised when the first
 * is over: both would wait on the thread's one reply port, each taking the other's answer. At
 * most EXCEPTIONS_WAITING_MAX wait; past that the raise is refused (a RangeError), holding
 * nothing. (A function of its own: closures in exceptionTriage made it allocate their context
 * on every call.)
 */
function raiseAfter(thread: Thread, exception: number, c0: number | bigint, c1: number | bigint, opts: RaiseOptions): Promise<ExceptionOutcome> {
  const queue = (thread.exceptionQueue ??= []);
  if (queue.length >= EXCEPTIONS_WAITING_MAX) {
    return Promise.reject(new RangeError(`thread ${thread.id} has an exception out and ${queue.length} waiting: no more may be raised until they are handled`));
  }
  return new Promise<ExceptionOutcome>((resolve, reject) => {
    queue.push(() => void startTriage(thread, exception, c0, c1, opts).then(resolve, reject));
  });
}

/** exceptionTriage on a thread whose one exception this is now (Thread.inException). */
function startTriage(thread: Thread, exception: number, c0: number | bigint, c1: number | bigint, opts: RaiseOptions): Promise<ExceptionOutcome> {
  try {
    // The thread's triage of its last exception, settled, if it kept one: an exception's
    // bookkeeping is one object per thread, not one per exception.
    const spare = thread.spareTriage as Triage | null;
    let t: Triage;
    if (spare !== null) {
      thread.spareTriage = null;
      t = spare.reset(exception, c0, c1, opts);
    } else t = new Triage(thread, exception, c0, c1, opts);
    const done = t.run(0);
    if (done) {
      t.release();
      return Promise.resolve(done);
    }
    // A handler was asked; its answer comes in a later step (the handler's reply, Triage.take).
    making = t;
    const p = new Promise<ExceptionOutcome>(giveSettle);
    making = null;
    return p;
  } catch (e) {
    passOn(thread);
    return Promise.reject(e);
  }
}

const LEVELS: readonly ExceptionLevel[] = ["thread", "task", "host"];

/** A kernel RPC waiting for its handler's reply: what its answer is checked against. */
interface PendingRpc {
  readonly thread: Thread;
  readonly exception: number;
  routineId: number;
  behavior: number;
  flavor: number;
  finish: Finish;
  /** The reply the RPC was answered with, once it is over: the next request is made in it (kmsgWithWords). */
  spareKmsg: IpcKmsg | null;
  /** The thread and task descriptors' record of the request sent, until it is answered. */
  sentDescs: KDesc[] | null;
  /**
   * That record once the request was answered, for the next request to fill in. A reply on the
   * reply port came through the request's send-once right, so the request was copied out or
   * destroyed (only they take that right out of it): nothing reads its record again.
   */
  spareDescs: KDesc[] | null;
}

/** A reaction on a settled Promise is the cheapest microtask: queueMicrotask makes an async resource per call. */
const RESOLVED = Promise.resolve();

/**
 * One exception's way through the three levels. A level whose handler has to be asked
 * leaves `run` with null; the reply resumes it (`take`), and the triage goes on from
 * there. Continuations rather than an async function with a Promise per wait: each
 * Promise, its reactions and their microtask hops cost more than the delivery itself.
 * The triage is also its own receive waiter on the thread's reply port (mqueueReceiveKernel)
 * and its own pending RPC: one object per exception for all of them, and once settled it is
 * kept for the thread's next exception (Thread.spareTriage): nothing refers to it then (its wait
 * was detached when the reply came or the wait ended, and its continuations have run).
 */
class Triage implements PendingRpc, RcvWaiter, AttemptLog {
  // The levels asked and their answers (AttemptLog).
  n = 0;
  levels = 0;
  kr0 = 0;
  kr1 = 0;
  kr2 = 0;
  /** The level asked last, and what it answered. */
  private level = 0;
  private kr: number = KERN_FAILURE;
  /** The RPC being waited for: the triage itself, whose fields below describe it (no object per RPC). */
  rpc: PendingRpc | null = null;
  routineId = 0;
  behavior = 0;
  flavor = 0;
  finish: Finish = rpcKr;
  spareKmsg: IpcKmsg | null = null;
  sentDescs: KDesc[] | null = null;
  spareDescs: KDesc[] | null = null;
  settle: Settle | null = null;
  // The receive waiter's record (RcvWaiter), filled in by rpcReceive and mqueueReceiveKernel.
  option = MACH_RCV_MSG;
  rcvSize = 0xffffffff;
  done = true;
  timer: ReturnType<typeof setTimeout> | null = null;
  sources: readonly IpcMqueue[] = NO_MQUEUES;
  /** The three levels' actions, taken before the first delivery as they always were here (three fields, no array). */
  private threadActions: ExceptionAction[] | null;
  private taskActions: ExceptionAction[] | null;
  private hostActions: ExceptionAction[] | null;

  constructor(
    readonly thread: Thread,
    public exception: number,
    /** The code and subcode. */
    public code0: number | bigint,
    public code1: number | bigint,
    public opts: RaiseOptions,
  ) {
    this.threadActions = thread.excActions;
    this.taskActions = thread.task.excActions;
    this.hostActions = thread.task.kernel.host.excActions;
  }

  /** A settled triage made ready for the thread's next exception: every field as the constructor leaves it. */
  reset(exception: number, code0: number | bigint, code1: number | bigint, opts: RaiseOptions): this {
    this.exception = exception;
    this.code0 = code0;
    this.code1 = code1;
    this.opts = opts;
    this.n = 0;
    this.levels = 0;
    this.kr0 = 0;
    this.kr1 = 0;
    this.kr2 = 0;
    this.level = 0;
    this.kr = KERN_FAILURE;
    this.rpc = null;
    this.routineId = 0;
    this.behavior = 0;
    this.flavor = 0;
    this.finish = rpcKr;
    this.option = MACH_RCV_MSG;
    this.rcvSize = 0xffffffff;
    this.done = true;
    this.timer = null;
    this.sources = NO_MQUEUES;
    const thread = this.thread;
    this.threadActions = thread.excActions;
    this.taskActions = thread.task.excActions;
    this.hostActions = thread.task.kernel.host.excActions;
    return this;
  }

  /**
   * Triage is over (its outcome made, or its failure): the thread keeps it for its next
   * exception, without what it held for this one (the resolving functions, the options, the
   * actions), so that a kept triage holds no more than the thread and its reply message.
   */
  release(): void {
    const thread = this.thread;
    // Whether it was waited for or ended at once, the thread's next exception may go now.
    passOn(thread);
    this.settle = null;
    this.opts = NO_RAISE_OPTIONS;
    this.code0 = 0;
    this.code1 = 0;
    this.threadActions = this.taskActions = this.hostActions = null;
    this.rpc = null;
    if (thread.active && thread.spareTriage === null) thread.spareTriage = this;
  }

  /** Settle the raiser's Promise with the outcome, the triage kept for the thread's next exception first. */
  private settleWith(o: ExceptionOutcome): void {
    const settle = this.settle!;
    this.release();
    settle(o);
  }

  /** Reject the raiser's Promise (an exception thrown while delivering). */
  failWith(e: unknown): void {
    const settle = this.settle!;
    this.release();
    settle(Promise.reject(e));
  }

  /** Offer the exception from level `from` on: the outcome, or null while a handler is asked. */
  run(from: number): ExceptionOutcome | null {
    const { thread, exception } = this;
    for (let i = from; i < 3; i++) {
      const actions = i === 0 ? this.threadActions : i === 1 ? this.taskActions : this.hostActions;
      if (exception === EXC_CRASH && crashSkips(thread, actions, exception)) continue;
      // A level without a handler answers at once: only a real delivery waits.
      this.level = i;
      const kr = exceptionDeliver(this, actions);
      if (kr === null) return null;
      const done = this.answered(kr);
      if (done) return done;
    }
    return new Outcome(null, this.kr, this, thread.state.generalSnapshot());
  }

  /** The current level answered `kr`: the outcome when triage stops here. */
  private answered(kr: number): ExceptionOutcome | null {
    this.kr = kr;
    // Each level is asked at most once, so there are at most three.
    const n = this.n++;
    this.levels |= this.level << (2 * n);
    if (n === 0) this.kr0 = kr;
    else if (n === 1) this.kr1 = kr;
    else this.kr2 = kr;
    if (kr !== KERN_SUCCESS && kr !== MACH_RCV_PORT_DIED) return null;
    // A terminating thread's KERN_SUCCESS is exception_deliver giving up, not a handler's answer.
    const handled = kr === KERN_SUCCESS && this.thread.active;
    return new Outcome(handled ? LEVELS[this.level]! : null, kr, this, this.thread.state.generalSnapshot());
  }

  /**
   * RcvWaiter.take: the reply came, in its sender's step (the handler's mach_msg, or the kernel's
   * send-once notification). It is checked and the level answered at once; when the triage ends
   * there the outcome is settled (whose reactions run later in any case), otherwise the next level
   * is offered the exception a microtask later, as the raising thread would go on after the
   * sender's trap, not inside it.
   */
  take(kmsg: IpcKmsg): void {
    try {
      const rpc = this.rpc!;
      this.rpc = null;
      const kr = checkReply(rpc, kmsg);
      const done = this.answered(kr);
      if (done) this.settleWith(done);
      else void RESOLVED.then(() => this.goOn());
    } catch (e) {
      this.failWith(e);
    }
  }

  /** RcvWaiter.resolve: the wait ended without a reply (a timeout, the reply port's death); the triage resumes a microtask later. */
  resolve(g: RcvResult): void {
    void RESOLVED.then(() => {
      try {
        const rpc = this.rpc!;
        this.rpc = null;
        this.resumed(rpcAnswered(this.thread, rpc, g));
      } catch (e) {
        this.failWith(e);
      }
    });
  }

  /** After a level's answer that did not end the triage: the next level. */
  private goOn(): void {
    try {
      const done = this.run(this.level + 1);
      if (done) this.settleWith(done);
    } catch (e) {
      this.failWith(e);
    }
  }

  /** The asked level's answer came: go on from there, and settle once triage ends. */
  resumed(kr: number): void {
    const done = this.answered(kr) ?? this.run(this.level + 1);
    if (done) this.settleWith(done);
  }
}

/** A waiter's sources when it waits on nothing. */
const NO_MQUEUES: readonly IpcMqueue[] = Object.freeze([]);

/** EXC_CRASH is not sent to a handler living in the crashing task itself (it could never answer). */
function crashSkips(thread: Thread, actions: ExceptionAction[] | null, exception: number): boolean {
  const port = actions?.[exception]?.port ?? null;
  return ipValid(port) && port.active && port.receiver === thread.task.space;
}

/** exception_deliver: one level. Its answer, or null when the handler has been asked (the triage is resumed). */
function exceptionDeliver(t: Triage, actions: ExceptionAction[] | null): number | null {
  const { thread, exception } = t;
  if (!thread.active) return KERN_SUCCESS;
  if (!actions) return KERN_FAILURE;
  if (exception >= EXC_TYPES_COUNT) return KERN_FAILURE;
  const action = actions[exception]!;
  const excPort = action.port;
  if (!ipValid(excPort) || !excPort.active) return KERN_FAILURE;
  // A new send right for the message to consume.
  excPort.srights++;
  const flavor0 = action.flavor;
  const code64 = (action.behavior & MACH_EXCEPTION_CODES) !== 0;
  const behavior = (action.behavior & ~MACH_EXCEPTION_CODES) >>> 0;
  const code = requestCode;
  code[0] = messageCode(t.code0, code64);
  code[1] = messageCode(t.code1, code64);

  if (behavior === EXCEPTION_DEFAULT) return exceptionRpc(t, excPort, behavior, code64, code, 0, null, rpcKr);
  if (behavior === EXCEPTION_STATE || behavior === EXCEPTION_STATE_IDENTITY) {
    const count = thread.state.countFor(flavor0);
    const got = thread.state.get(flavor0, count);
    if (got.kr !== KERN_SUCCESS) {
      // xnu-3248 leaves the send right it took here unreleased; machipc gives it back.
      portReleaseSend(excPort);
      return got.kr;
    }
    return exceptionRpc(t, excPort, behavior, code64, code, flavor0, got.state, stateSet);
  }
  portReleaseSend(excPort);
  return KERN_FAILURE;
}

/** Where a port descriptor's disposition byte is. */
const PORT_DISPOSITION = PORT_DESCRIPTOR.at.disposition;

const INT32_SAFE = 1n << 52n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * A code as the message carries it: its low 32 bits, signed, without MACH_EXCEPTION_CODES
 * (as a number, which the request's 32-bit array takes as it is), else its low 64 bits. Codes
 * already in range are passed as they are: BigInt.asIntN makes a new BigInt each call, and
 * those were most of what an exception allocates before its message.
 */
function messageCode(c: number | bigint, code64: boolean): number | bigint {
  // An integral number is encoded as it is: its low 32 bits (>>> 0) or its exact value (BigInt).
  if (typeof c === "number") return c;
  if (code64) return c >= INT64_MIN && c <= INT64_MAX ? c : BigInt.asIntN(64, c);
  // Below 2^52 in magnitude the double is exact, and ToInt32 keeps the same low 32 bits.
  return c > -INT32_SAFE && c < INT32_SAFE ? Number(c) | 0 : Number(BigInt.asIntN(32, c));
}

/**
 * What the handler's answer comes to, for the level: the reply's RetCode (or the RPC's failure),
 * and for a STATE reply the flavor and state it returned (else the request's flavor, no state).
 */
type Finish = (t: PendingRpc, kr: number, flavor: number, state: Uint32Array) => number;

/** The thread's kernel reply port (ith_rpc_reply), made on first use in the reply space. */
function rpcReplyPort(thread: Thread): IpcPort {
  if (!thread.rpcReply || !thread.rpcReply.active) thread.rpcReply = kobjectAlloc(thread.task.kernel.replySpace, IKOT_NONE, null);
  return thread.rpcReply;
}

/** Drop the reply port after a failed RPC, so a late reply cannot be taken for the next one. */
function dropReplyPort(thread: Thread): void {
  const p = thread.rpcReply;
  thread.rpcReply = null;
  if (p) portDestroy(p);
}

const rpcKr: Finish = (_t, kr) => kr;
/** A STATE behavior's answer: a successful reply's state is set on the thread. */
const stateSet: Finish = (t, kr, flavor, state) => {
  if (kr === MACH_MSG_SUCCESS && t.exception !== EXC_CORPSE_NOTIFY) {
    // The handler may change the flavor: the state is set with the flavor it returned.
    return t.thread.state.set(flavor, state);
  }
  return kr;
};
/** The state of a result that carries none (a zero-length array cannot be changed, so one serves all). */
const NO_STATE = new Uint32Array(0);
/** No codes (requestArgs between requests). */
const NO_CODE: number[] = [];
/** The code and subcode of the request being laid out (requestArgs.code while encodeRequest reads it). */
const requestCode: (number | bigint)[] = [0, 0];
/** A DEFAULT request's empty old_state (encodeRequest only reads it). */
const NO_OLD_STATE: number[] = [];
/**
 * The request's arguments, filled in for each exception: encodeRequest only reads them while it
 * lays out the bytes, so one object serves every request (its lists are dropped afterwards).
 */
const requestArgs: { thread: number; task: number; exception: number; code: (number | bigint)[]; flavor: number; old_state: number[] } = {
  thread: 0,
  task: 0,
  exception: 0,
  code: [],
  flavor: 0,
  old_state: NO_OLD_STATE,
};

/** The request's msgh_bits once the kernel has made its rights: the port's send right, the reply's send-once right. */
const REQUEST_BITS = msghBits(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE);
/** The request's msgh_bits before the reply right is made (the destination's send right only). */
const REQUEST_BITS_NO_REPLY = msghBits(MACH_MSG_TYPE_PORT_SEND, 0);
/** REQUEST_BITS of a request carrying the thread and task (every behavior but EXCEPTION_STATE). */
const REQUEST_BITS_COMPLEX = (REQUEST_BITS | MACH_MSGH_BITS_COMPLEX) >>> 0;

/**
 * An EXCEPTION_DEFAULT request (exception_raise or mach_exception_raise) as words: the MIG
 * encoder's bytes with null names, the exception and codes zero, the descriptors' dispositions and
 * msgh_bits as exceptionRpc leaves them; and the word indices of the exception and of the code.
 * Null where the words cannot stand for the bytes (a big-endian host, an unexpected layout).
 */
interface DefaultTemplate {
  words: Uint32Array;
  exception: number;
  code: number;
}
const defaultTemplates = new Map<Routine<unknown>, DefaultTemplate | null>();
let lastRoutine: Routine<unknown> | null = null;
let lastTemplate: DefaultTemplate | null = null;

function defaultTemplate(routine: Routine<unknown>): DefaultTemplate | null {
  let tpl = defaultTemplates.get(routine);
  if (tpl === undefined) {
    tpl = null;
    // Found by laying out a request with marks in the general way and looking for them.
    const mark = exceptionRequest(routine, EXCEPTION_DEFAULT, 0x5eed1e55, [0x0c0de001, 0x0c0de002], 0, null, true);
    const bytes = mark.data;
    const n = bytes.length;
    if (LITTLE_ENDIAN && (n & 3) === 0 && n <= WORDS_MAX) {
      const words = new Uint32Array(bytes.slice().buffer);
      const exception = words.indexOf(0x5eed1e55);
      const code = words.indexOf(0x0c0de001);
      const code64 = n - 4 * code === 16;
      const at2 = code + (code64 ? 2 : 1);
      if (exception > 0 && code > exception && words[at2] === 0x0c0de002 && (code64 ? words[code + 1] === 0 && words[code + 3] === 0 : n - 4 * code === 8)) {
        words[exception] = 0;
        words[code] = 0;
        words[at2] = 0;
        tpl = { words, exception, code };
      }
    }
    defaultTemplates.set(routine, tpl);
  }
  return tpl;
}

/** A 64-bit code's low and high words, as the encoder's wrU64(BigInt(c)) writes them. */
function writeCode64(w: Uint32Array, i: number, c: number | bigint): void {
  if (typeof c === "number") {
    // An integral double's low 64 bits: ToUint32 of it and of its quotient by 2^32 (exact for any
    // integral double); anything else goes through BigInt, which refuses it as the encoder would.
    if (!Number.isInteger(c)) c = BigInt(c);
    else {
      w[i] = c >>> 0;
      w[i + 1] = Math.floor(c / 4294967296) >>> 0;
      return;
    }
  }
  const x = BigInt.asUintN(64, c);
  w[i] = Number(x & 0xffffffffn);
  w[i + 1] = Number(x >> 32n);
}

/**
 * The request's bytes for `routine` (the exception_raise kin of `behavior`) in a kernel message:
 * laid out by the MIG encoder (encodeRequest), with null names, the descriptors' dispositions
 * the carried type and msgh_bits as exceptionRpc sends them. An EXCEPTION_DEFAULT request, one per
 * exception as a rule, is written through the words of a buffer with words (kmsgWithWords) from
 * the encoder's own bytes laid out once (defaultTemplate): the same bytes, without the encoder's
 * argument record, a pooled buffer's view and the byte-by-byte stores. `general` takes the encoder
 * every time (tests compare the two).
 */
export function exceptionRequest(
  routine: Routine<unknown>,
  behavior: number,
  exception: number,
  code: readonly (number | bigint)[],
  flavor: number,
  state: Uint32Array | null,
  general: boolean,
  into: IpcKmsg | null = null,
): IpcKmsg {
  let tpl: DefaultTemplate | null = null;
  if (behavior === EXCEPTION_DEFAULT && !general) {
    // The routine asked last (a thread's handler, exception after exception) without the Map's lookup.
    if (routine !== lastRoutine) {
      lastTemplate = defaultTemplate(routine);
      lastRoutine = routine;
    }
    tpl = lastTemplate;
  }
  if (tpl !== null) {
    const src = tpl.words;
    const n = src.length;
    const kmsg = kmsgWithWords(n << 2, into);
    const w = kmsg.words!;
    w.set(src);
    w[tpl.exception] = Number(exception) >>> 0;
    const at = tpl.code;
    if (n - at === 2) {
      w[at] = Number(code[0]) >>> 0;
      w[at + 1] = Number(code[1]) >>> 0;
    } else {
      writeCode64(w, at, code[0]!);
      writeCode64(w, at + 2, code[1]!);
    }
    return kmsg;
  }
  const args = requestArgs;
  args.exception = exception;
  args.code = code as (number | bigint)[];
  args.flavor = flavor;
  // The encoder only reads the state's length and words: the thread's copy goes in as it is.
  args.old_state = state ? (state as unknown as number[]) : NO_OLD_STATE;
  let bytes: Uint8Array;
  try {
    bytes = encodeRequest(routine, 0, 0, args as UserArgs, null);
  } finally {
    args.code = NO_CODE;
    args.old_state = NO_OLD_STATE;
  }
  if (behavior !== EXCEPTION_STATE) {
    bytes[28 + PORT_DISPOSITION] = MACH_MSG_TYPE_PORT_SEND;
    bytes[40 + PORT_DISPOSITION] = MACH_MSG_TYPE_PORT_SEND;
  }
  wrU32(bytes, MACH_MSG_HEADER.at.bits, (REQUEST_BITS | (behavior !== EXCEPTION_STATE ? MACH_MSGH_BITS_COMPLEX : 0)) >>> 0);
  return new IpcKmsg(bytes);
}

/**
 * mach_msg_rpc_from_kernel with a KernelUser stub's request layout and reply checks; waits
 * only for the reply. `finish` turns the result into the level's answer in the same step.
 * The answer, or null when the triage waits for the reply (Triage.take or .resolve resumes it).
 */
function exceptionRpc(
  t: Triage,
  excPort: IpcPort,
  behavior: number,
  code64: boolean,
  code: (number | bigint)[],
  flavor: number,
  state: Uint32Array | null,
  finish: Finish,
): number | null {
  const thread = t.thread;
  const routine = exceptionRoutine(behavior, code64);
  const identity = behavior !== EXCEPTION_STATE;
  const spare = t.spareKmsg;
  t.spareKmsg = null;
  const kmsg = exceptionRequest(routine, behavior, t.exception, code, flavor, state, false, spare);
  kmsg.id = routine.id;
  kmsg.remote = excPort;
  kmsg.bits = REQUEST_BITS_NO_REPLY;
  // mach_msg_rpc_from_kernel takes the buffer before the reply right is made.
  const got0 = kmsgGetFromKernel(kmsg);
  if (got0 !== MACH_MSG_SUCCESS) return finish(t, got0, flavor, NO_STATE);
  const reply = rpcReplyPort(thread);
  kmsg.local = portMakeSendOnce(reply);
  kmsg.bits = identity ? REQUEST_BITS_COMPLEX : REQUEST_BITS;
  if (identity) {
    // retrieve_*_self_fast: a copy of the self send right, which is an interposed
    // port if task/thread_set_special_port replaced it (no new make-send either way).
    // The thread and task descriptors are one run (KPortRunDesc: one record, not one per port);
    // exceptionRequest wrote them whole, their disposition the carried type, as copyin leaves it.
    let descs = t.spareDescs;
    const threadSelf = portCopySend(thread.ports.ithSself);
    const taskSelf = portCopySend(thread.task.ports.itkSself);
    if (descs !== null) {
      t.spareDescs = null;
      const ports = (descs[0] as KPortRunDesc).ports;
      ports[0] = threadSelf;
      ports[1] = taskSelf;
    } else descs = [{ kind: KDESC_PORT_RUN, off: 28, ports: [threadSelf, taskSelf], type: MACH_MSG_TYPE_PORT_SEND, count: 2 }];
    kmsg.descs = descs;
    t.sentDescs = descs;
  }
  t.routineId = routine.id;
  t.behavior = behavior;
  t.flavor = flavor;
  t.finish = finish;
  const rpc: PendingRpc = t;
  // The faulting thread runs the RPC: its task sends the request (and takes a queued reply).
  const sent = ipcKmsgSend(kmsg, MACH_SEND_KERNEL_DEFAULT, 0, false, thread.task);
  // The kernel sends with MACH_SEND_ALWAYS, so the send does not wait; a Promise is followed all the same.
  if (typeof sent === "number") return rpcReceive(t, reply, rpc, sent);
  sent
    .then((mr) => {
      const kr = rpcReceive(t, reply, rpc, mr);
      if (kr !== null) t.resumed(kr);
    })
    .catch((e: unknown) => t.failWith(e));
  return null;
}

/** The request is sent (or refused, `mr`): wait for the reply on the thread's reply port. */
function rpcReceive(t: Triage, reply: IpcPort, rpc: PendingRpc, mr: number): number | null {
  if (mr !== MACH_MSG_SUCCESS) {
    rpc.sentDescs = null;
    return rpc.finish(rpc, mr, rpc.flavor, NO_STATE);
  }
  const timeout = t.opts.timeoutMs;
  t.option = MACH_RCV_MSG | (timeout !== undefined ? MACH_RCV_TIMEOUT : 0);
  t.rpc = rpc;
  const got = mqueueReceiveKernel(reply, t, timeout ?? 0, t.thread.task);
  if (got === null) return null;
  t.rpc = null;
  return rpcAnswered(t.thread, rpc, got);
}

/** What the wait came to: the reply's answer, or an interrupted receive. */
function rpcAnswered(thread: Thread, rpc: PendingRpc, g: RcvResult): number {
  if (g.mr !== MACH_MSG_SUCCESS || !g.kmsg) {
    // The request may still be queued (a timeout): its record stays with it.
    rpc.sentDescs = null;
    dropReplyPort(thread);
    // A wait given up on (timeout, thread_abort, the thread terminating) is an
    // interrupted receive; the next level then finds the thread terminating.
    return rpc.finish(rpc, MACH_RCV_INTERRUPTED, rpc.flavor, NO_STATE);
  }
  return checkReply(rpc, takeHandedOff(g.port, g.kmsg));
}

/** The KernelUser stub's checks on the handler's reply, and the level's answer; the reply is consumed. */
function checkReply(rpc: PendingRpc, r: IpcKmsg): number {
  // The reply came on our send-once right: that right is used up.
  if (ipValid(r.remote)) portReleaseSendOnce(r.remote);
  r.remote = null;
  replyState.flavor = rpc.flavor;
  replyState.state = NO_STATE;
  const kr = replyResult(rpc.routineId, rpc.behavior, r);
  const { flavor, state } = replyState;
  replyState.state = NO_STATE;
  // The reply's bytes are read (a state was copied out of them): its buffer may serve the next
  // message, as a served request's does (kmsg_buffer.ts).
  kmsgDataRelease(r);
  // What is left to release: a reply right, a voucher, descriptors' rights, a preallocated buffer.
  // A plain reply (the rule) carries none of them, and kmsgDestroy would find nothing to do.
  if (r.local !== null || r.voucher !== null || r.descs !== null || r.premsgPort !== null) kmsgDestroy(r);
  // Nothing else holds a reply handed to the waiting RPC or dequeued for it (kmsgReusable), and its
  // rights and bytes are gone: the thread's next request is made in it (kmsgWithWords).
  else if (kmsgReusable(r)) rpc.spareKmsg = r;
  rpc.spareDescs = rpc.sentDescs;
  rpc.sentDescs = null;
  return rpc.finish(rpc, kr, flavor, state);
}

/** A STATE reply's flavor and state, as replyResult found them (read at once by checkReply: no object per reply). */
const replyState: { flavor: number; state: Uint32Array } = { flavor: 0, state: NO_STATE };

/**
 * What the reply says (the stub's checks, in its order): its RetCode or the check's failure;
 * a STATE reply's flavor and state go to `replyState`. The caller destroys it.
 */
function replyResult(requestId: number, behavior: number, r: IpcKmsg): number {
  const data = r.data;
  const size = r.size;
  const retCode = size >= 36 ? rdI32(data, 32) : 0;
  const complex = (r.bits & MACH_MSGH_BITS_COMPLEX) !== 0;
  // mach_msg_rpc_from_kernel refuses a reply larger than the stub's Reply (in kernel form)
  // before the stub looks at its id.
  const max = behavior === EXCEPTION_DEFAULT ? 36 : 44 + 4 * EXC_STATE_MAX;
  // A reply without descriptors (the rule) is its user size in kernel form.
  if ((r.descs === null ? size : r.kernelSize() - 8) > max) return MACH_RCV_TOO_LARGE;
  if (r.id === MACH_NOTIFY_SEND_ONCE) return MIG_SERVER_DIED;
  if (r.id !== requestId + 100) return MIG_REPLY_MISMATCH;
  if (behavior === EXCEPTION_DEFAULT) {
    if (complex || size !== 36) return MIG_TYPE_ERROR;
    return retCode;
  }
  if (complex || !((size >= 44 && size <= max) || (size === 36 && retCode !== 0))) return MIG_TYPE_ERROR;
  if (retCode !== 0) return retCode;
  const newFlavor = rdI32(data, 36);
  const cnt = rdU32(data, 40);
  if (cnt > EXC_STATE_MAX || size !== 44 + 4 * cnt) return MIG_TYPE_ERROR;
  const state = new Uint32Array(cnt);
  for (let i = 0; i < cnt; i++) state[i] = rdU32(data, 44 + 4 * i);
  replyState.flavor = newFlavor;
  replyState.state = state;
  return KERN_SUCCESS;
}
