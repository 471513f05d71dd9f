/**
 * The Kafka protocol error codes: the same numbers in every client, so classification keys on
 * them first. `retriable` follows the Java client's RetriableException hierarchy, not the
 * clients' own flags (confluent's are always false in 1.10.1).
 */
import type { ErrorCategory } from "./qi-error.js";

/** One row of the Kafka protocol error table (see `allKafkaErrorCodes()`). */
export interface KafkaErrorCode {
  /** The numeric protocol code. */
  readonly code: number;
  /** The protocol's name for it, e.g. `UNKNOWN_TOPIC_OR_PARTITION`. */
  readonly name: string;
  /** Our stable code: the protocol name unless a clearer one is part of the contract. */
  readonly qiCode: string;
  /** The category a `QiError` with this protocol code gets. */
  readonly category: ErrorCategory;
  /** Whether the Java client treats it as retriable (a `RetriableException`). */
  readonly retriable: boolean;
}

type Row = readonly [code: number, name: string, category: ErrorCategory, retriable: boolean, qiCode?: string];

// prettier-ignore
const ROWS: readonly Row[] = [
  [-1, "UNKNOWN_SERVER_ERROR", "BROKER", false],
  [1, "OFFSET_OUT_OF_RANGE", "BROKER", false],
  [2, "CORRUPT_MESSAGE", "BROKER", true],
  [3, "UNKNOWN_TOPIC_OR_PARTITION", "NOT_FOUND", true, "TOPIC_NOT_FOUND"],
  [4, "INVALID_FETCH_SIZE", "VALIDATION", false],
  [5, "LEADER_NOT_AVAILABLE", "BROKER", true],
  [6, "NOT_LEADER_OR_FOLLOWER", "BROKER", true],
  [7, "REQUEST_TIMED_OUT", "TIMEOUT", true],
  [8, "BROKER_NOT_AVAILABLE", "CONNECTION", false],
  [9, "REPLICA_NOT_AVAILABLE", "BROKER", true],
  [10, "MESSAGE_TOO_LARGE", "VALIDATION", false],
  [11, "STALE_CONTROLLER_EPOCH", "BROKER", false],
  [12, "OFFSET_METADATA_TOO_LARGE", "VALIDATION", false],
  [13, "NETWORK_EXCEPTION", "CONNECTION", true],
  [14, "COORDINATOR_LOAD_IN_PROGRESS", "BROKER", true],
  [15, "COORDINATOR_NOT_AVAILABLE", "BROKER", true],
  [16, "NOT_COORDINATOR", "BROKER", true],
  [17, "INVALID_TOPIC_EXCEPTION", "VALIDATION", false, "INVALID_TOPIC"],
  [18, "RECORD_LIST_TOO_LARGE", "VALIDATION", false],
  [19, "NOT_ENOUGH_REPLICAS", "BROKER", true],
  [20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "BROKER", true],
  [21, "INVALID_REQUIRED_ACKS", "VALIDATION", false],
  [22, "ILLEGAL_GENERATION", "STATE", false],
  [23, "INCONSISTENT_GROUP_PROTOCOL", "CONFLICT", false],
  [24, "INVALID_GROUP_ID", "VALIDATION", false],
  [25, "UNKNOWN_MEMBER_ID", "STATE", false],
  [26, "INVALID_SESSION_TIMEOUT", "VALIDATION", false],
  [27, "REBALANCE_IN_PROGRESS", "STATE", true],
  [28, "INVALID_COMMIT_OFFSET_SIZE", "VALIDATION", false],
  [29, "TOPIC_AUTHORIZATION_FAILED", "AUTHORIZATION", false],
  [30, "GROUP_AUTHORIZATION_FAILED", "AUTHORIZATION", false],
  [31, "CLUSTER_AUTHORIZATION_FAILED", "AUTHORIZATION", false],
  [32, "INVALID_TIMESTAMP", "VALIDATION", false],
  [33, "UNSUPPORTED_SASL_MECHANISM", "AUTHENTICATION", false],
  [34, "ILLEGAL_SASL_STATE", "AUTHENTICATION", false],
  [35, "UNSUPPORTED_VERSION", "UNSUPPORTED", false],
  [36, "TOPIC_ALREADY_EXISTS", "CONFLICT", false],
  [37, "INVALID_PARTITIONS", "VALIDATION", false],
  [38, "INVALID_REPLICATION_FACTOR", "VALIDATION", false],
  [39, "INVALID_REPLICA_ASSIGNMENT", "VALIDATION", false],
  [40, "INVALID_CONFIG", "VALIDATION", false],
  [41, "NOT_CONTROLLER", "BROKER", true],
  [42, "INVALID_REQUEST", "VALIDATION", false],
  [43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", "UNSUPPORTED", false],
  [44, "POLICY_VIOLATION", "VALIDATION", false],
  [45, "OUT_OF_ORDER_SEQUENCE_NUMBER", "BROKER", false],
  [46, "DUPLICATE_SEQUENCE_NUMBER", "BROKER", false],
  [47, "INVALID_PRODUCER_EPOCH", "STATE", false],
  [48, "INVALID_TXN_STATE", "STATE", false],
  [49, "INVALID_PRODUCER_ID_MAPPING", "STATE", false],
  [50, "INVALID_TRANSACTION_TIMEOUT", "VALIDATION", false],
  [51, "CONCURRENT_TRANSACTIONS", "CONFLICT", true],
  [52, "TRANSACTION_COORDINATOR_FENCED", "STATE", false],
  [53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "AUTHORIZATION", false],
  [54, "SECURITY_DISABLED", "UNSUPPORTED", false],
  [55, "OPERATION_NOT_ATTEMPTED", "BROKER", false],
  [56, "KAFKA_STORAGE_ERROR", "BROKER", true],
  [57, "LOG_DIR_NOT_FOUND", "NOT_FOUND", false],
  [58, "SASL_AUTHENTICATION_FAILED", "AUTHENTICATION", false],
  [59, "UNKNOWN_PRODUCER_ID", "STATE", false],
  [60, "REASSIGNMENT_IN_PROGRESS", "CONFLICT", false],
  [61, "DELEGATION_TOKEN_AUTH_DISABLED", "UNSUPPORTED", false],
  [62, "DELEGATION_TOKEN_NOT_FOUND", "NOT_FOUND", false],
  [63, "DELEGATION_TOKEN_OWNER_MISMATCH", "AUTHORIZATION", false],
  [64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", "AUTHORIZATION", false],
  [65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", "AUTHORIZATION", false],
  [66, "DELEGATION_TOKEN_EXPIRED", "AUTHENTICATION", false],
  [67, "INVALID_PRINCIPAL_TYPE", "VALIDATION", false],
  [68, "NON_EMPTY_GROUP", "CONFLICT", false],
  [69, "GROUP_ID_NOT_FOUND", "NOT_FOUND", false],
  [70, "FETCH_SESSION_ID_NOT_FOUND", "BROKER", true],
  [71, "INVALID_FETCH_SESSION_EPOCH", "BROKER", true],
  [72, "LISTENER_NOT_FOUND", "BROKER", true],
  [73, "TOPIC_DELETION_DISABLED", "UNSUPPORTED", false],
  [74, "FENCED_LEADER_EPOCH", "BROKER", true],
  [75, "UNKNOWN_LEADER_EPOCH", "BROKER", true],
  [76, "UNSUPPORTED_COMPRESSION_TYPE", "UNSUPPORTED", false],
  [77, "STALE_BROKER_EPOCH", "BROKER", false],
  [78, "OFFSET_NOT_AVAILABLE", "BROKER", true],
  [79, "MEMBER_ID_REQUIRED", "STATE", false],
  [80, "PREFERRED_LEADER_NOT_AVAILABLE", "BROKER", true],
  [81, "GROUP_MAX_SIZE_REACHED", "CONFLICT", false],
  [82, "FENCED_INSTANCE_ID", "CONFLICT", false],
  [83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", "BROKER", true],
  [84, "ELECTION_NOT_NEEDED", "BROKER", true],
  [85, "NO_REASSIGNMENT_IN_PROGRESS", "STATE", false],
  [86, "GROUP_SUBSCRIBED_TO_TOPIC", "CONFLICT", false],
  [87, "INVALID_RECORD", "VALIDATION", false],
  [88, "UNSTABLE_OFFSET_COMMIT", "BROKER", true],
  [89, "THROTTLING_QUOTA_EXCEEDED", "BROKER", true],
  [90, "PRODUCER_FENCED", "STATE", false],
  [91, "RESOURCE_NOT_FOUND", "NOT_FOUND", false],
  [92, "DUPLICATE_RESOURCE", "CONFLICT", false],
  [93, "UNACCEPTABLE_CREDENTIAL", "AUTHENTICATION", false],
  [94, "INCONSISTENT_VOTER_SET", "BROKER", false],
  [95, "INVALID_UPDATE_VERSION", "VALIDATION", false],
  [96, "FEATURE_UPDATE_FAILED", "BROKER", false],
  [97, "PRINCIPAL_DESERIALIZATION_FAILURE", "BROKER", false],
  [98, "SNAPSHOT_NOT_FOUND", "NOT_FOUND", false],
  [99, "POSITION_OUT_OF_RANGE", "BROKER", false],
  [100, "UNKNOWN_TOPIC_ID", "NOT_FOUND", true],
  [101, "DUPLICATE_BROKER_REGISTRATION", "CONFLICT", false],
  [102, "BROKER_ID_NOT_REGISTERED", "BROKER", false],
  [103, "INCONSISTENT_TOPIC_ID", "BROKER", true],
  [104, "INCONSISTENT_CLUSTER_ID", "BROKER", false],
  [105, "TRANSACTIONAL_ID_NOT_FOUND", "NOT_FOUND", false],
  [106, "FETCH_SESSION_TOPIC_ID_ERROR", "BROKER", true],
  [107, "INELIGIBLE_REPLICA", "BROKER", false],
  [108, "NEW_LEADER_ELECTED", "BROKER", false],
  [109, "OFFSET_MOVED_TO_TIERED_STORAGE", "BROKER", false],
  [110, "FENCED_MEMBER_EPOCH", "STATE", false],
  [111, "UNRELEASED_INSTANCE_ID", "CONFLICT", false],
  [112, "UNSUPPORTED_ASSIGNOR", "UNSUPPORTED", false],
  [113, "STALE_MEMBER_EPOCH", "STATE", false],
  [114, "MISMATCHED_ENDPOINT_TYPE", "BROKER", false],
  [115, "UNSUPPORTED_ENDPOINT_TYPE", "UNSUPPORTED", false],
  [116, "UNKNOWN_CONTROLLER_ID", "BROKER", false],
  [117, "UNKNOWN_SUBSCRIPTION_ID", "NOT_FOUND", false],
  [118, "TELEMETRY_TOO_LARGE", "VALIDATION", false],
  [119, "INVALID_REGISTRATION", "VALIDATION", false],
  [120, "TRANSACTION_ABORTABLE", "STATE", false],
];

const BY_CODE = new Map<number, KafkaErrorCode>();
const BY_NAME = new Map<string, KafkaErrorCode>();
for (const [code, name, category, retriable, qiCode] of ROWS) {
  const entry: KafkaErrorCode = { code, name, qiCode: qiCode ?? name, category, retriable };
  BY_CODE.set(code, entry);
  BY_NAME.set(name, entry);
}
// Older spellings used by some clients (kafkajs says NOT_LEADER_FOR_PARTITION).
const ALIASES: Record<string, string> = { NOT_LEADER_FOR_PARTITION: "NOT_LEADER_OR_FOLLOWER" };

/** Looks a protocol error up by its number. */
export function kafkaErrorByCode(code: number): KafkaErrorCode | undefined {
  return BY_CODE.get(code);
}

/** Looks a protocol error up by its protocol name (kafkajs' `type`, librdkafka's `ERR_...`). */
export function kafkaErrorByName(name: string): KafkaErrorCode | undefined {
  const bare = name.replace(/^ERR_/, "").toUpperCase();
  return BY_NAME.get(ALIASES[bare] ?? bare);
}

/** Every known protocol error, in code order (for docs and tests). */
export function allKafkaErrorCodes(): readonly KafkaErrorCode[] {
  return [...BY_CODE.values()];
}
