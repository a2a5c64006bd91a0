/** Display formatting shared by the overview, map and table. */
import type { NodeInfo } from '@w3ai/protocol'

/** `n_3fa9c10b…` style: the prefix and enough hex to tell nodes apart at a glance. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 10)}…` : id
}

/** Gigabytes with sensible precision; TB above 1000 GB. */
export function formatGb(gb: number): string {
  if (gb >= 1000) return `${trim(gb / 1000, 1)} TB`
  return `${trim(gb, gb < 10 ? 1 : 0)} GB`
}

export function formatNumber(n: number): string {
  return trim(n, Number.isInteger(n) ? 0 : 1)
}

function trim(n: number, digits: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits })
}

/** "just now", "12 s ago", "3 min ago", "2 h ago", "4 d ago", or "never". */
export function timeAgo(iso: string | null, now: number): string {
  if (iso === null) return 'never'
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (!Number.isFinite(seconds)) return '—'
  if (seconds < 2) return 'just now'
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`
  return `${Math.floor(seconds / 86_400)} d ago`
}

/** `hub_1a2b…` ids already say "hub"; anything else gets the word in front. */
export function hubLabel(hubId: string): string {
  return hubId.startsWith('hub') ? hubId : `hub ${hubId}`
}

/** "Frankfurt, eu-central" or just the region when the node gave no city. */
export function placeOf(node: NodeInfo): string {
  return node.location.city === undefined ? node.region : `${node.location.city}, ${node.region}`
}

/** One-line load summary for tooltips. */
export function loadSummary(node: NodeInfo): string {
  const load = node.load
  if (load === null) return 'no load reported'
  return `CPU ${Math.round(load.cpuPercent)}% · mem ${formatGb(load.memoryUsedGb)} · ${load.runningTasks} tasks`
}

/** "2× A100 (80 GB)" or "—". Mixed models are listed by count. */
export function formatGpus(node: NodeInfo): string {
  const gpus = node.capabilities.gpus
  if (gpus.length === 0) return '—'
  const first = gpus[0]
  if (first !== undefined && gpus.every((g) => g.model === first.model)) return `${gpus.length}× ${first.model}`
  return `${gpus.length} GPUs`
}
