/**
 * The mach_voucher subsystem (5400). xnu-3248's kernel serves it on any port,
 * as it serves every subsystem by id; machipc has no vouchers (no routine
 * makes one: host_create_mach_voucher is KERN_NOT_SUPPORTED, task and thread
 * vouchers are null), so convert_port_to_voucher is always IV_NULL and every
 * voucher routine answers KERN_INVALID_ARGUMENT, its first check.
 * mach_voucher_debug_info is a DEVELOPMENT / DEBUG kernel's: RELEASE answers
 * KERN_NOT_SUPPORTED whatever the arguments.
 */
import { KERN_INVALID_ARGUMENT, KERN_NOT_SUPPORTED } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inP, outP } from "../mig/types.js";
import {
  ipc_space_t,
  ipc_voucher_t,
  mach_port_name_t,
  mach_voucher_attr_command_t,
  mach_voucher_attr_content_t,
  mach_voucher_attr_key_t,
  mach_voucher_attr_raw_recipe_array_t,
  mach_voucher_attr_raw_recipe_t,
} from "../mig/defs_types.js";
import type { KernelCall } from "../kern/kernel.js";
import { routinesOn } from "./common.js";

export const MACH_VOUCHER_BASE = 5400;
export const MACH_VOUCHER_END = 5405;

const routine = routinesOn(inP("voucher", ipc_voucher_t));
const noVoucher = (): number => KERN_INVALID_ARGUMENT;

export const machVoucherRoutines: Routine<KernelCall>[] = [
  routine(5400, "mach_voucher_extract_attr_content", [inP("key", mach_voucher_attr_key_t), outP("content", mach_voucher_attr_content_t, { countInOut: true })], noVoucher),
  routine(5401, "mach_voucher_extract_attr_recipe", [inP("key", mach_voucher_attr_key_t), outP("recipe", mach_voucher_attr_raw_recipe_t, { countInOut: true })], noVoucher),
  routine(5402, "mach_voucher_extract_all_attr_recipes", [outP("recipes", mach_voucher_attr_raw_recipe_array_t, { countInOut: true })], noVoucher),
  routine(
    5403,
    "mach_voucher_attr_command",
    [
      inP("key", mach_voucher_attr_key_t),
      inP("command", mach_voucher_attr_command_t),
      inP("in_content", mach_voucher_attr_content_t),
      outP("out_content", mach_voucher_attr_content_t, { countInOut: true }),
    ],
    noVoucher,
  ),
  routine(
    5404,
    "mach_voucher_debug_info",
    [inP("voucher_name", mach_port_name_t), outP("recipes", mach_voucher_attr_raw_recipe_array_t, { countInOut: true })],
    () => KERN_NOT_SUPPORTED,
    inP("task", ipc_space_t),
  ),
];
