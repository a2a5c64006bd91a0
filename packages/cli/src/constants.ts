/** Defaults of the `w3ai` command and the devnet kit, in one place. */
import { DEFAULT_HUB_PORT } from '@w3ai/protocol'

/** Port `w3ai up` and `w3ai hub start` use when none is given. */
export const DEFAULT_PORT = DEFAULT_HUB_PORT
/** Nodes `w3ai up` and startDevnet start when none is given. */
export const DEFAULT_NODES = 5
/** Most nodes one devnet may start on a machine (each is a process). */
export const MAX_NODES = 200
/** Prefix of the one stdout line `hub start` and `node start` print once they serve. */
export const READY_PREFIX = 'W3AI_READY '
/** File under the home recording a running devnet. */
export const DEVNET_FILE = 'devnet.json'
/** Directory under the home for child logs. */
export const LOGS_DIR = 'logs'
/** How long a child may take to print its ready line (tsx compile + PGlite first open). */
export const START_TIMEOUT_MS = 60_000
/** How long all nodes may take to show `online` at the hub. */
export const ONLINE_TIMEOUT_MS = 60_000
/** Grace between SIGTERM and SIGKILL when stopping a child. */
export const STOP_TIMEOUT_MS = 10_000
/** Poll period for log files, pids and hub status. */
export const POLL_MS = 100
/**
 * Set on non-detached children: they stop when their stdin (a pipe from the parent) closes, so a
 * crashed test runner or `w3ai up` does not leave orphans behind.
 */
export const EXIT_WITH_PARENT_ENV = 'W3AI_EXIT_WITH_PARENT'
/** pino level for `hub start` / `node start` when --log-level is not given. */
export const LOG_LEVEL_ENV = 'W3AI_LOG_LEVEL'
export const DEFAULT_LOG_LEVEL = 'info'
/** Bounds of `w3ai storage put --segment-size`, as the hub accepts them. */
export const MIN_SEGMENT_SIZE = 64 * 1024
export const MAX_SEGMENT_SIZE = 256 * 1024 * 1024
/** Without a terminal, a storage transfer prints a progress line at most this often. */
export const PROGRESS_LINE_MS = 2_000
/** How long `w3ai job run --wait` follows a job before giving up (the job itself goes on). */
export const DEFAULT_WAIT_TIMEOUT_S = 600
/** How often `--wait` asks the hub for the job. */
export const JOB_POLL_MS = 500
/** Frame period of the `--wait` spinner on a terminal. */
export const SPINNER_MS = 100
/** Exit codes: 2 for bad command lines, 1 for every other failure. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_BAD_ARGUMENT = 2
