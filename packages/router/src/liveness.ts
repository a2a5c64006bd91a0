/**
 * Maps phi to the node status the API shows: `online | suspect | offline`.
 */
import type { NodeStatus } from '@w3ai/protocol'

export interface StatusThresholds {
  /** phi at or above which a node is `suspect` (default 3: 0.1% chance it is merely late). */
  suspectPhi: number
  /** phi at or above which a node is `offline` (default 8). */
  offlinePhi: number
}

export const DEFAULT_THRESHOLDS: StatusThresholds = { suspectPhi: 3, offlinePhi: 8 }

export function statusForPhi(value: number, thresholds: StatusThresholds = DEFAULT_THRESHOLDS): NodeStatus {
  if (value >= thresholds.offlinePhi) return 'offline'
  if (value >= thresholds.suspectPhi) return 'suspect'
  return 'online'
}
