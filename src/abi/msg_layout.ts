/** The 64-bit user-form message structures (message.h, ndr.h, mig_errors.h). */
import { defineLayout } from "./layout.js";

export const MACH_MSG_HEADER = defineLayout("mach_msg_header_t", 24, {
  bits: { at: 0, type: "u32" },
  size: { at: 4, type: "u32" },
  remotePort: { at: 8, type: "u32" },
  localPort: { at: 12, type: "u32" },
  voucherPort: { at: 16, type: "u32" },
  id: { at: 20, type: "i32" },
});
export const HEADER_SIZE = MACH_MSG_HEADER.size;

export const MACH_MSG_BODY = defineLayout("mach_msg_body_t", 4, {
  descriptorCount: { at: 0, type: "u32" },
});

/** Port descriptor: 12 bytes in both 32- and 64-bit user forms. */
export const PORT_DESCRIPTOR = defineLayout("mach_msg_port_descriptor_t", 12, {
  name: { at: 0, type: "u32" },
  pad1: { at: 4, type: "u32" },
  pad2: { at: 8, type: "u16" },
  disposition: { at: 10, type: "u8" },
  type: { at: 11, type: "u8" },
});

export const OOL_DESCRIPTOR = defineLayout("mach_msg_ool_descriptor64_t", 16, {
  address: { at: 0, type: "u64" },
  deallocate: { at: 8, type: "u8" },
  copy: { at: 9, type: "u8" },
  pad1: { at: 10, type: "u8" },
  type: { at: 11, type: "u8" },
  size: { at: 12, type: "u32" },
});

export const OOL_PORTS_DESCRIPTOR = defineLayout("mach_msg_ool_ports_descriptor64_t", 16, {
  address: { at: 0, type: "u64" },
  deallocate: { at: 8, type: "u8" },
  copy: { at: 9, type: "u8" },
  disposition: { at: 10, type: "u8" },
  type: { at: 11, type: "u8" },
  count: { at: 12, type: "u32" },
});

/** Every descriptor keeps its type in byte 11. */
export const DESCRIPTOR_TYPE_OFFSET = 11;

/** mach_msg_mac_trailer_t, the largest format-0 trailer; smaller trailers are prefixes of it. */
export const MAX_TRAILER = defineLayout("mach_msg_max_trailer_t", 68, {
  type: { at: 0, type: "u32" },
  size: { at: 4, type: "u32" },
  seqno: { at: 8, type: "u32" },
  sender0: { at: 12, type: "u32" },
  sender1: { at: 16, type: "u32" },
  audit0: { at: 20, type: "u32" },
  audit1: { at: 24, type: "u32" },
  audit2: { at: 28, type: "u32" },
  audit3: { at: 32, type: "u32" },
  audit4: { at: 36, type: "u32" },
  audit5: { at: 40, type: "u32" },
  audit6: { at: 44, type: "u32" },
  audit7: { at: 48, type: "u32" },
  context: { at: 52, type: "u64" },
  ad: { at: 60, type: "i32" },
  labelsSender: { at: 64, type: "u32" },
});

/** NDR_record for x86_64 and arm64: little-endian ints, ASCII, IEEE floats. */
export const NDR_RECORD: Readonly<Uint8Array> = Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0);
export const NDR_SIZE = 8;

export const MIG_REPLY_ERROR = defineLayout("mig_reply_error_t", 36, {
  ndr: { at: 24, type: "u64" },
  retCode: { at: 32, type: "i32" },
});
