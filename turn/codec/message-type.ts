// The 14-bit message type interleaves the class bits (C1 at bit 8, C0 at bit 4)
// into the method bits, a layout kept from RFC 3489 for backwards compatibility.

export function encodeMessageType(method: number, cls: number): number {
  return (
    (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 0b01) << 4) | ((cls & 0b10) << 7)
  );
}

export function decodeMessageType(type: number): { method: number; cls: number } {
  return {
    method: (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2),
    cls: ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7),
  };
}
