/**
 * The privacy budget: ε spent so far (at the training's δ, from the RDP accountant) against the
 * owner's target, as a meter that warms as it fills; the training stops on its own before a round
 * would overspend. Without a target, ε is shown alone. The words carry the meaning, the colour
 * only helps.
 */
import { formatEpsilon, type PrivacyBudget } from '../../fl/rounds.js'

/** Past this share of the budget the meter turns warm. */
const WARN_AT = 0.8

export function PrivacyMeter({ budget }: { budget: PrivacyBudget }) {
  const { spent, target, delta, fraction, exhausted, perRound } = budget
  const tone = exhausted ? 'spent' : fraction !== null && fraction >= WARN_AT ? 'warn' : 'ok'
  const summary = target === null ? `ε ${formatEpsilon(spent)} spent (no budget set)` : `ε ${formatEpsilon(spent)} of ${formatEpsilon(target)} spent`
  return (
    <section className="card fl-privacy-card" aria-labelledby="fl-privacy-title" data-testid="fl-privacy" data-spent={spent} data-target={target ?? ''} data-tone={tone}>
      <header className="card-head">
        <h2 id="fl-privacy-title">
          Privacy budget <span className="card-sub">δ = {delta.toExponential(0)}</span>
        </h2>
      </header>
      <div className="card-body">
        <p className={`fl-privacy-summary fl-privacy-${tone}`} data-testid="fl-privacy-summary">
          {summary}
          {fraction !== null && ` · ${Math.round(fraction * 100)}%`}
        </p>
        {target !== null && (
          <div
            className="fl-privacy-track"
            role="meter"
            aria-label="Privacy budget spent (ε)"
            aria-valuemin={0}
            aria-valuemax={target}
            aria-valuenow={Math.min(spent, target)}
            aria-valuetext={summary}
          >
            <span className={`fl-privacy-fill fl-privacy-fill-${tone}`} style={{ width: `${(fraction ?? 0) * 100}%` }} />
          </div>
        )}
        {exhausted && (
          <p className="warning" data-testid="fl-privacy-exhausted">
            The next round would have spent more than the budget, so training stopped here. Raise <code>dp.targetEpsilon</code> or the noise to go on.
          </p>
        )}
        {perRound.length > 0 && (
          <p className="note">
            after round {perRound.at(-1)!.round}
            {perRound.length > 1 && ` · +${formatEpsilon(Math.max(0, perRound.at(-1)!.epsilon - perRound.at(-2)!.epsilon))} in the last round`}
          </p>
        )}
      </div>
    </section>
  )
}
