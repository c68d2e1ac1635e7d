/**
 * The kernel side's latency buckets: 32 per power of two (every value within 1.6 % of its
 * bucket's middle, so percentiles within 2 % whether events are lost or not), the value itself
 * below 64. Half as fine as the model's histogram (64 per power of two): every key of the counter
 * maps is printed every second, and latencies that span eight powers of two take 256 keys per
 * process and opcode here.
 */
export const KERNEL_SUB_BITS = 5;
const KSUB = 1 << KERNEL_SUB_BITS;
/** Values below this are their own bucket. */
const KEXACT = 2 * KSUB;
/** Latencies from 2^51 ns (26 days) on share the last bucket. */
export const KERNEL_LAST_BUCKET = (51 - KERNEL_SUB_BITS) * KSUB + (KSUB - 1);

/** The kernel bucket of a latency (ns): what the program's statements compute, for tests. */
export function kernelBucketOf(v: number): number {
  if (v < KEXACT) return v;
  const lg = Math.floor(Math.log2(v));
  if (lg > 50) return KERNEL_LAST_BUCKET;
  const shift = lg - KERNEL_SUB_BITS;
  return shift * KSUB + Math.floor(v / 2 ** shift);
}

/** The middle of a kernel bucket (ns): the value its counts stand for. */
export function kernelBucketMid(b: number): number {
  if (b < KEXACT) return b;
  const shift = (b >> KERNEL_SUB_BITS) - 1;
  return ((b & (KSUB - 1)) + KSUB) * 2 ** shift + 2 ** shift / 2;
}

/** Statements that set `$b` to kernelBucketOf(`$v`), with e = floor(log2 v) found by halving. */
export function bucketStatements(indent: string): string[] {
  const i = indent;
  return [
    `${i}$b = $v;`,
    `${i}if ($v >= ${KEXACT}) {`,
    `${i}  $x = $v;`,
    `${i}  $lg = (uint64)0;`,
    `${i}  if ($x >= 0x100000000) { $lg = $lg + 32; $x = $x >> 32; }`,
    `${i}  if ($x >= 0x10000) { $lg = $lg + 16; $x = $x >> 16; }`,
    `${i}  if ($x >= 0x100) { $lg = $lg + 8; $x = $x >> 8; }`,
    `${i}  if ($x >= 0x10) { $lg = $lg + 4; $x = $x >> 4; }`,
    `${i}  if ($x >= 0x4) { $lg = $lg + 2; $x = $x >> 2; }`,
    `${i}  if ($x >= 0x2) { $lg = $lg + 1; }`,
    `${i}  $b = ($lg - ${KERNEL_SUB_BITS}) * ${KSUB} + ($v >> ($lg - ${KERNEL_SUB_BITS}));`,
    `${i}  if ($lg > 50) { $b = ${KERNEL_LAST_BUCKET}; }`,
    `${i}}`,
  ];
}
