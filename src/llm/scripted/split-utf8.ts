/**
 * Splits an encoded event in two so the halves can be written separately. Splitting inside a multi-byte
 * character is the case that breaks naive decoders (`chunk.toString()` per TCP read turns an emoji into U+FFFD).
 */

function isContinuationByte(byte: number): boolean {
  return (byte & 0b1100_0000) === 0b1000_0000;
}

/** Splits right after the lead byte of the first multi-byte character, else at the middle. */
export function splitUtf8(bytes: Uint8Array): [Uint8Array, Uint8Array] {
  const inside = bytes.findIndex((byte, i) => i > 0 && isContinuationByte(byte));
  const at = inside > 0 ? inside : Math.floor(bytes.length / 2);
  return [bytes.subarray(0, at), bytes.subarray(at)];
}
