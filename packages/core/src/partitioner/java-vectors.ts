/**
 * The Java client's own murmur2 test vectors (org.apache.kafka.common.utils.UtilsTest): UTF-8
 * key → signed 32-bit hash. Core's tests and the conformance suite both check against them.
 */
export const JAVA_MURMUR2_VECTORS: Readonly<Record<string, number>> = {
  "21": -973932308,
  foobar: -790332482,
  "a-little-bit-long-string": -985981536,
  "a-little-bit-longer-string": -1486304829,
  lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
  abc: 479470107,
};
