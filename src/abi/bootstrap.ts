/** The bootstrap namespace's numbers (launchd-842's liblaunch/bootstrap.h and bootstrap_priv.h). */
export const BOOTSTRAP_MAX_NAME_LEN = 128;
export const BOOTSTRAP_MAX_CMD_LEN = 512;
export const BOOTSTRAP_MAX_LOOKUP_COUNT = 20;

export const BOOTSTRAP_SUCCESS = 0;
export const BOOTSTRAP_NOT_PRIVILEGED = 1100;
export const BOOTSTRAP_NAME_IN_USE = 1101;
export const BOOTSTRAP_UNKNOWN_SERVICE = 1102;
export const BOOTSTRAP_SERVICE_ACTIVE = 1103;
export const BOOTSTRAP_BAD_COUNT = 1104;
export const BOOTSTRAP_NO_MEMORY = 1105;
export const BOOTSTRAP_NO_CHILDREN = 1106;

export const BOOTSTRAP_STATUS_INACTIVE = 0;
export const BOOTSTRAP_STATUS_ACTIVE = 1;
export const BOOTSTRAP_STATUS_ON_DEMAND = 2;

/** Flags of the *2 routines (bootstrap_priv.h). */
export const BOOTSTRAP_PER_PID_SERVICE = 1 << 0;
export const BOOTSTRAP_ALLOW_LOOKUP = 1 << 1;
export const BOOTSTRAP_DENY_JOB_CREATION = 1 << 2;
export const BOOTSTRAP_PRIVILEGED_SERVER = 1 << 3;
export const BOOTSTRAP_FORCE_LOCAL = 1 << 4;
export const BOOTSTRAP_SPECIFIC_INSTANCE = 1 << 5;
export const BOOTSTRAP_STRICT_CHECKIN = 1 << 6;
export const BOOTSTRAP_STRICT_LOOKUP = 1 << 7;

const MESSAGES: Record<number, string> = {
  [BOOTSTRAP_SUCCESS]: "Success",
  [BOOTSTRAP_NOT_PRIVILEGED]: "Permission denied",
  [BOOTSTRAP_NAME_IN_USE]: "Service name already exists",
  [BOOTSTRAP_SERVICE_ACTIVE]: "Service name already exists",
  [BOOTSTRAP_UNKNOWN_SERVICE]: "Unknown service name",
  [BOOTSTRAP_BAD_COUNT]: "Too many lookups were requested in one request",
  [BOOTSTRAP_NO_MEMORY]: "Out of memory",
};

/** bootstrap_strerror: launchd's text for its own codes, or `fallback` (mach_error_string) for any other. */
export function bootstrapStrerror(kr: number, fallback: (kr: number) => string): string {
  return MESSAGES[kr] ?? fallback(kr);
}
