/** Time formatting for the jobs page. */

/** Milliseconds for people: 850 ms, 12.3 s, 4 min 05 s, 2 h 10 min. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`
}

/** From one ISO time to another (or to `now`), as a duration; clock skew between hub and page reads as zero. */
export function between(fromIso: string, toIso: string | null, now: number): string {
  const end = toIso === null ? now : Date.parse(toIso)
  return formatDuration(Math.max(0, end - Date.parse(fromIso)))
}

/** Local wall-clock time with seconds, for timestamps within a session. */
export function clockTime(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString('en-GB', { hour12: false })
}
