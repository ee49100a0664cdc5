/** Host special ports, host/processor/pset info flavors (xnu-3248 host_special_ports.h, host_info.h, processor_info.h). */
export const HOST_LOCAL_NODE = -1;
export const HOST_SECURITY_PORT = 0;
export const HOST_PORT = 1;
export const HOST_PRIV_PORT = 2;
export const HOST_IO_MASTER_PORT = 3;
export const HOST_MAX_SPECIAL_KERNEL_PORT = 7;
export const HOST_DYNAMIC_PAGER_PORT = 8;
export const HOST_AUDIT_CONTROL_PORT = 9;
export const HOST_USER_NOTIFICATION_PORT = 10;
export const HOST_AUTOMOUNTD_PORT = 11;
export const HOST_LOCKD_PORT = 12;
export const HOST_SEATBELT_PORT = 14;
export const HOST_KEXTD_PORT = 15;
export const HOST_CHUD_PORT = 16;
export const HOST_UNFREED_PORT = 17;
export const HOST_AMFID_PORT = 18;
export const HOST_GSSD_PORT = 19;
export const HOST_TELEMETRY_PORT = 20;
export const HOST_ATM_NOTIFICATION_PORT = 21;
export const HOST_COALITION_PORT = 22;
export const HOST_SYSDIAGNOSE_PORT = 23;
export const HOST_XPC_EXCEPTION_PORT = 24;
export const HOST_CONTAINERD_PORT = 25;
export const HOST_MAX_SPECIAL_PORT = HOST_CONTAINERD_PORT;

// host_info flavors
export const HOST_BASIC_INFO = 1;
export const HOST_SCHED_INFO = 3;
export const HOST_RESOURCE_SIZES = 4;
export const HOST_PRIORITY_INFO = 5;
export const HOST_SEMAPHORE_TRAPS = 7;
export const HOST_MACH_MSG_TRAP = 8;
export const HOST_VM_PURGABLE = 9;
export const HOST_DEBUG_INFO_INTERNAL = 10;
export const HOST_BASIC_INFO_COUNT = 12;
export const HOST_BASIC_INFO_OLD_COUNT = 5;
export const HOST_SCHED_INFO_COUNT = 2;
export const HOST_RESOURCE_SIZES_COUNT = 5;
export const HOST_PRIORITY_INFO_COUNT = 8;
export const HOST_VM_PURGABLE_COUNT = 68;
export const HOST_INFO_MAX = 68;
export const HOST_INFO64_MAX = 256;

// host_statistics / host_statistics64 flavors
export const HOST_LOAD_INFO = 1;
export const HOST_VM_INFO = 2;
export const HOST_CPU_LOAD_INFO = 3;
export const HOST_EXPIRED_TASK_INFO = 6;
export const HOST_VM_INFO64 = 4;
export const HOST_EXTMOD_INFO64 = 5;
export const HOST_LOAD_INFO_COUNT = 6;
export const HOST_VM_INFO_COUNT = 15;
export const HOST_VM_INFO_REV0_COUNT = 12;
export const HOST_VM_INFO_REV1_COUNT = 14;
export const HOST_CPU_LOAD_INFO_COUNT = 4;
export const HOST_VM_INFO64_COUNT = 38;
export const HOST_VM_INFO64_REV0_COUNT = 24;
export const HOST_EXTMOD_INFO64_COUNT = 12;
export const TASK_POWER_INFO_COUNT = 12;
export const LOAD_SCALE = 1000;
export const CPU_STATE_USER = 0;
export const CPU_STATE_SYSTEM = 1;
export const CPU_STATE_IDLE = 2;
export const CPU_STATE_NICE = 3;
export const CPU_STATE_MAX = 4;

// processor_info flavors
export const PROCESSOR_BASIC_INFO = 1;
export const PROCESSOR_CPU_LOAD_INFO = 2;
export const PROCESSOR_PM_REGS_INFO = 0x10000001;
export const PROCESSOR_TEMPERATURE = 0x10000002;
export const PROCESSOR_BASIC_INFO_COUNT = 5;
export const PROCESSOR_CPU_LOAD_INFO_COUNT = 4;
export const PROCESSOR_INFO_MAX = 12;

// processor_set_info flavors
export const PROCESSOR_SET_BASIC_INFO = 5;
export const PROCESSOR_SET_ENABLED_POLICIES = 3;
export const PROCESSOR_SET_LOAD_INFO = 4;
export const PROCESSOR_SET_TIMESHARE_DEFAULT = 10;
export const PROCESSOR_SET_TIMESHARE_LIMITS = 11;
export const PROCESSOR_SET_RR_DEFAULT = 20;
export const PROCESSOR_SET_RR_LIMITS = 21;
export const PROCESSOR_SET_FIFO_DEFAULT = 30;
export const PROCESSOR_SET_FIFO_LIMITS = 31;
export const PROCESSOR_SET_INFO_MAX = 5;
export const POLICY_TIMESHARE = 1;
export const POLICY_RR = 2;
export const POLICY_FIFO = 4;

// Processor states (osfmk/kern/processor.h)
export const PROCESSOR_OFF_LINE = 0;
export const PROCESSOR_SHUTDOWN = 1;
export const PROCESSOR_START = 2;
export const PROCESSOR_INACTIVE = 3;
export const PROCESSOR_IDLE = 4;
export const PROCESSOR_DISPATCHING = 5;
export const PROCESSOR_RUNNING = 6;

// CPU types (osfmk/mach/machine.h)
export const CPU_ARCH_ABI64 = 0x01000000;
export const CPU_TYPE_X86 = 7;
export const CPU_TYPE_X86_64 = CPU_TYPE_X86 | CPU_ARCH_ABI64;
export const CPU_TYPE_ARM = 12;
export const CPU_TYPE_ARM64 = CPU_TYPE_ARM | CPU_ARCH_ABI64;
export const CPU_SUBTYPE_X86_64_ALL = 3;
export const CPU_SUBTYPE_X86_64_H = 8;
export const CPU_SUBTYPE_ARM64_ALL = 0;
export const CPU_SUBTYPE_ARM64_V8 = 1;
export const CPU_THREADTYPE_NONE = 0;
export const CPU_THREADTYPE_INTEL_HTT = 1;

// Scheduler priorities (osfmk/kern/sched.h)
export const MAXPRI_KERNEL = 95;
export const MINPRI_KERNEL = 80;
export const MINPRI_RESERVED = 64;
export const MAXPRI_RESERVED = 79;
export const BASEPRI_DEFAULT = 31;
export const DEPRESSPRI = 0;
export const IDLEPRI = 0;
export const MINPRI = 0;
/** NRQS - 1: the highest priority there is. */
export const MAXPRI = 127;
export const MAXPRI_USER = 63;
