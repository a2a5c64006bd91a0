/** A thin horizontal bar for "used of offered" values; the number beside it carries the meaning. */
interface MeterProps {
  fraction: number
  /** `load`: turns warm past 85 % so busy nodes stand out; `share`: a healthy share, green. */
  kind?: 'load' | 'share'
}

export function Meter({ fraction, kind = 'load' }: MeterProps) {
  const pct = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0)) * 100
  const tone = kind === 'share' ? 'share' : pct >= 85 ? 'hot' : 'load'
  return (
    <span className="meter" aria-hidden="true">
      <span className={`meter-fill meter-${tone}`} style={{ width: `${pct}%` }} />
    </span>
  )
}
