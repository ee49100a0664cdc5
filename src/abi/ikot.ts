/** Kernel object types bound to ports (osfmk/kern/ipc_kobject.h, xnu-3248). */
export const IKOT_NONE = 0;
export const IKOT_THREAD = 1;
export const IKOT_TASK = 2;
export const IKOT_HOST = 3;
export const IKOT_HOST_PRIV = 4;
export const IKOT_PROCESSOR = 5;
export const IKOT_PSET = 6;
export const IKOT_PSET_NAME = 7;
export const IKOT_TIMER = 8;
export const IKOT_PAGING_REQUEST = 9;
export const IKOT_MIG = 10;
export const IKOT_MEMORY_OBJECT = 11;
export const IKOT_XMM_PAGER = 12;
export const IKOT_XMM_KERNEL = 13;
export const IKOT_XMM_REPLY = 14;
export const IKOT_UND_REPLY = 15;
export const IKOT_HOST_NOTIFY = 16;
export const IKOT_HOST_SECURITY = 17;
export const IKOT_LEDGER = 18;
export const IKOT_MASTER_DEVICE = 19;
export const IKOT_TASK_NAME = 20;
export const IKOT_SUBSYSTEM = 21;
export const IKOT_IO_DONE_QUEUE = 22;
export const IKOT_SEMAPHORE = 23;
export const IKOT_LOCK_SET = 24;
export const IKOT_CLOCK = 25;
export const IKOT_CLOCK_CTRL = 26;
export const IKOT_IOKIT_SPARE = 27;
export const IKOT_NAMED_ENTRY = 28;
export const IKOT_IOKIT_CONNECT = 29;
export const IKOT_IOKIT_OBJECT = 30;
export const IKOT_UPL = 31;
export const IKOT_MEM_OBJ_CONTROL = 32;
export const IKOT_AU_SESSIONPORT = 33;
export const IKOT_FILEPORT = 34;
export const IKOT_LABELH = 35;
export const IKOT_TASK_RESUME = 36;
export const IKOT_VOUCHER = 37;
export const IKOT_VOUCHER_ATTR_CONTROL = 38;
export const IKOT_UNKNOWN = 39;
export const IKOT_MAX_TYPE = 40;

const NAMES: Record<number, string> = {
  0: "NONE", 1: "THREAD", 2: "TASK", 3: "HOST", 4: "HOST_PRIV", 5: "PROCESSOR", 6: "PSET", 7: "PSET_NAME",
  8: "TIMER", 9: "PAGING_REQUEST", 10: "MIG", 11: "MEMORY_OBJECT", 12: "XMM_PAGER", 13: "XMM_KERNEL",
  14: "XMM_REPLY", 15: "UND_REPLY", 16: "HOST_NOTIFY", 17: "HOST_SECURITY", 18: "LEDGER", 19: "MASTER_DEVICE",
  20: "TASK_NAME", 21: "SUBSYSTEM", 22: "IO_DONE_QUEUE", 23: "SEMAPHORE", 24: "LOCK_SET", 25: "CLOCK",
  26: "CLOCK_CTRL", 27: "IOKIT_SPARE", 28: "NAMED_ENTRY", 29: "IOKIT_CONNECT", 30: "IOKIT_OBJECT", 31: "UPL",
  32: "MEM_OBJ_CONTROL", 33: "AU_SESSIONPORT", 34: "FILEPORT", 35: "LABELH", 36: "TASK_RESUME", 37: "VOUCHER",
  38: "VOUCHER_ATTR_CONTROL", 39: "UNKNOWN",
};
/** "IKOT_HOST_PRIV" and the like, for listings. */
export const ikotName = (t: number): string => `IKOT_${NAMES[t] ?? "UNKNOWN"}`;
