/**
 * A listing's card, what a buyer reads before paying: a model's intended use, metrics with the
 * data each was measured on, limitations, inputs and outputs; a dataset's schema, row count and the
 * preview rows the seller chose to publish; an app's template with its typed params. The card is
 * untrusted JSON from the hub: it is checked with @w3ai/market's validateCard and shown raw when it
 * does not check.
 */
import { validateCard, type AppCard, type Card, type DatasetCard, type Metric, type ModelCard, type TensorSignature } from '@w3ai/market/portable'
import type { ListingKind } from '@w3ai/protocol'
import { paramHint } from '../../market/app-run.js'

function Metrics({ metrics }: { metrics: Metric[] }) {
  if (metrics.length === 0) return <p className="note">No metrics published.</p>
  return (
    <table className="nodes market-table" data-testid="card-metrics">
      <thead>
        <tr>
          <th>Metric</th>
          <th className="num">Value</th>
          <th>Measured on</th>
        </tr>
      </thead>
      <tbody>
        {metrics.map((m, i) => (
          <tr key={i} data-testid="card-metric" data-name={m.name}>
            <td>{m.name}</td>
            <td className="num">{m.value.toLocaleString('en-US', { maximumFractionDigits: 6 })}</td>
            <td className="sub">{m.dataset}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Tensors({ title, tensors, testId }: { title: string; tensors: TensorSignature[]; testId: string }) {
  return (
    <div>
      <h4>{title}</h4>
      <ul className="plain" data-testid={testId}>
        {tensors.map((t) => (
          <li key={t.name}>
            <code>{t.name}</code> <span className="sub">
              {t.type}[{t.shape.join(', ')}]
            </span>
          </li>
        ))}
      </ul>
    </div>
  )
}

function ModelCardView({ card }: { card: ModelCard }) {
  return (
    <>
      <h4>Intended use</h4>
      <p data-testid="card-intended-use">{card.intendedUse}</p>
      <h4>Metrics</h4>
      <Metrics metrics={card.metrics} />
      {card.limitations !== '' && (
        <>
          <h4>Limitations</h4>
          <p data-testid="card-limitations">{card.limitations}</p>
        </>
      )}
      <div className="market-tensors">
        <Tensors title="Inputs" tensors={card.inputs} testId="card-inputs" />
        <Tensors title="Outputs" tensors={card.outputs} testId="card-outputs" />
      </div>
    </>
  )
}

const cellText = (v: unknown): string => (v === null || v === undefined ? '—' : String(v))

function DatasetCardView({ card }: { card: DatasetCard }) {
  return (
    <>
      <p>
        <strong data-testid="card-row-count">{card.rowCount.toLocaleString('en-US')}</strong> rows, {card.schema.length} column{card.schema.length === 1 ? '' : 's'}
      </p>
      <h4>Schema</h4>
      <ul className="plain market-schema" data-testid="card-schema">
        {card.schema.map((c) => (
          <li key={c.name}>
            <code>{c.name}</code> <span className="sub">{c.type}</span>
          </li>
        ))}
      </ul>
      <h4>Preview</h4>
      {card.preview.length === 0 ? (
        <p className="note">The seller publishes no preview rows.</p>
      ) : (
        <div className="table-scroll">
          <table className="nodes market-table" data-testid="card-preview">
            <thead>
              <tr>
                {card.schema.map((c) => (
                  <th key={c.name}>{c.name}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {card.preview.map((row, i) => (
                <tr key={i} data-testid="card-preview-row">
                  {card.schema.map((c) => (
                    <td key={c.name}>{cellText(row[c.name])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {card.preview.length > 0 && card.preview.length < card.rowCount && (
        <p className="note">
          {card.preview.length} of {card.rowCount.toLocaleString('en-US')} rows shown; the rest stay encrypted until you buy.
        </p>
      )}
    </>
  )
}

const RUNNABLE_TEXT: Record<string, string> = {
  job: 'a compute job',
  pipeline: 'a private inference pipeline',
  federated: 'a federated training',
  builtin: 'an app that runs on your side',
}

function AppCardView({ card }: { card: AppCard }) {
  const r = card.template.runnable
  return (
    <>
      {card.intendedUse !== undefined && card.intendedUse !== '' && (
        <>
          <h4>Intended use</h4>
          <p data-testid="card-intended-use">{card.intendedUse}</p>
        </>
      )}
      <h4>Template</h4>
      <p data-testid="card-runnable" data-kind={r.kind}>
        Runs {RUNNABLE_TEXT[r.kind] ?? r.kind}
        {r.kind === 'job' && (
          <>
            {' '}
            on the <code>{r.executor}</code> executor
          </>
        )}
        {r.kind === 'builtin' && (
          <>
            : <code>{r.name}</code>
          </>
        )}
        .
      </p>
      <table className="nodes market-table" data-testid="card-params">
        <thead>
          <tr>
            <th>Param</th>
            <th>Type</th>
            <th>What it is</th>
          </tr>
        </thead>
        <tbody>
          {card.template.params.map((p) => (
            <tr key={p.name} data-testid="card-param" data-name={p.name}>
              <td>
                <code>{p.name}</code>
              </td>
              <td className="sub">{paramHint(p)}</td>
              <td>{p.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {card.metrics !== undefined && (
        <>
          <h4>Metrics</h4>
          <Metrics metrics={card.metrics} />
        </>
      )}
    </>
  )
}

/** The card checked, or the reason it does not check. */
export function checkCard(card: Record<string, unknown>, kind: ListingKind): { card: Card } | { error: string } | null {
  if (Object.keys(card).length === 0) return null
  try {
    return { card: validateCard(card, kind) }
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) }
  }
}

export function CardView({ card, kind }: { card: Record<string, unknown>; kind: ListingKind }) {
  const checked = checkCard(card, kind)
  return (
    <section className="card" data-testid="listing-card" data-card-kind={checked !== null && 'card' in checked ? checked.card.kind : 'none'}>
      <header className="card-head">
        <h2>Card</h2>
      </header>
      <div className="card-body market-card-body">
        {checked === null && <p className="note">The seller published no card.</p>}
        {checked !== null && 'error' in checked && (
          <>
            <p className="warning">This card does not check ({checked.error}); shown as the seller wrote it.</p>
            <pre className="stdout">{JSON.stringify(card, null, 2)}</pre>
          </>
        )}
        {checked !== null && 'card' in checked && checked.card.kind === 'model' && <ModelCardView card={checked.card} />}
        {checked !== null && 'card' in checked && checked.card.kind === 'dataset' && <DatasetCardView card={checked.card} />}
        {checked !== null && 'card' in checked && checked.card.kind === 'app' && <AppCardView card={checked.card} />}
      </div>
    </section>
  )
}
