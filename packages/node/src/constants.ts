/** Defaults of every node agent option, in one place so docs and code cannot drift apart. */
import { builtinExecutors } from '@w3ai/compute/executors'
import type { Executor } from '@w3ai/protocol'

/** Address the node's HTTP endpoint binds to. */
export const DEFAULT_HOST = '127.0.0.1'
/** 0 lets the OS pick a free port; the registered endpoint carries the real one. */
export const DEFAULT_PORT = 0
/** Executors a node advertises when none are configured: every built-in executor descriptor. */
export const DEFAULT_EXECUTORS: readonly Executor[] = builtinExecutors().names() as Executor[]
/** Used when no location is configured; 'local' keeps it out of real regions. */
export const DEFAULT_LOCATION = { lat: 0, lon: 0, region: 'local' } as const
/** Reconnect backoff: first delay, ceiling, and the random share added or removed (0..1). */
export const DEFAULT_RECONNECT = { initialMs: 250, maxMs: 5000, jitter: 0.2 } as const
/** Backoff between tries to hand a finished task's report to a hub that cannot take it now. */
export const DEFAULT_REPORT_RETRY = { initialMs: 500, maxMs: 10_000, jitter: 0.2 } as const
/** Directory under the home that keeps task reports until a hub acknowledges them. */
export const OUTBOX_DIR = 'outbox'
/** Heartbeat period used until the hub's welcome message says otherwise. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1000
/** How often the size of the home directory is re-measured (walking a tree is not free). */
export const DEFAULT_DISK_SCAN_INTERVAL_MS = 5000
/** pino level; `false` disables logging. */
export const DEFAULT_LOG_LEVEL = 'info'
/**
 * A socket whose hub has not answered a ping for this many heartbeat periods (and at least
 * MIN_SILENCE_MS) is treated as dead: it catches half-open TCP connections the OS never reports.
 */
export const PONG_TIMEOUT_INTERVALS = 5
export const MIN_SILENCE_MS = 10_000
/** Bytes per GB as used in capabilities and heartbeats (GiB, like os.totalmem users expect). */
export const BYTES_PER_GB = 1024 ** 3
/** Directory under the home that holds the piece files. */
export const PIECES_DIR = 'pieces'
/** The largest piece a node accepts, whatever its order allows (the largest segment a client may choose, sent whole at k = 1). */
export const MAX_PIECE_BYTES = 256 * 1024 * 1024
/** Longest path parameter the node routes (CIDs are up to 121 characters). */
export const MAX_PARAM_LENGTH = 256
