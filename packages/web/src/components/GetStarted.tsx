/**
 * The first-visit guide: 1 create an identity (right here), 2 upload a file, 3 run a job. Each step
 * is ticked from what the hub says the account has; the card goes away once dismissed, and is not
 * shown to someone who has done all three before.
 */
import { useCallback, useEffect, useState } from 'react'
import { useHubData } from '../hooks/use-hub-data.js'
import { useIdentity, useIdentitySession } from '../hooks/use-identity.js'
import type { Tab } from '../hooks/use-tab.js'
import { BUILTIN_PROGRAMS } from '../jobs/builtin-programs.js'
import { createAccountIdentity } from '../storage/account.js'

const HIDDEN_KEY = 'w3ai.getStarted.hidden'

function readHidden(): boolean {
  try {
    return localStorage.getItem(HIDDEN_KEY) === '1'
  } catch {
    return false
  }
}

interface GetStartedProps {
  tab: Tab
  onSelect: (tab: Tab) => void
  /** Counts job events: a submitted job ticks step 3 without waiting for a poll. */
  jobVersion: number
}

interface Progress {
  files: number
  jobs: number
  succeeded: number
}

export function GetStarted({ tab, onSelect, jobVersion }: GetStartedProps) {
  const { ready } = useIdentitySession()
  const { identity, api } = useIdentity()
  const [hidden, setHidden] = useState(readHidden)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [sawIncomplete, setSawIncomplete] = useState(false)

  const load = useCallback(async (): Promise<Progress> => {
    const hub = api as NonNullable<typeof api>
    const [objects, jobs] = await Promise.all([hub.list(), hub.request<{ jobs: Array<{ status: string }> }>('GET', '/v1/jobs').then((r) => r.jobs)])
    const files = objects.filter((o) => !BUILTIN_PROGRAMS.some((p) => p.fileName === o.name)).length
    return { files, jobs: jobs.length, succeeded: jobs.filter((j) => j.status === 'succeeded').length }
  }, [api])
  const [version, setVersion] = useState(0)
  const progress = useHubData(api === null || hidden ? null : load, version)
  const complete = progress.data !== null && progress.data.files > 0 && progress.data.succeeded > 0
  // Re-read on a tab change (an upload happened on Storage, say) and on job events until done.
  useEffect(() => setVersion((v) => v + 1), [tab])
  useEffect(() => {
    if (!complete) setVersion((v) => v + 1)
  }, [jobVersion])
  useEffect(() => {
    if (ready && (identity === null || (progress.data !== null && !complete))) setSawIncomplete(true)
  }, [ready, identity, progress.data, complete])

  if (hidden || !ready) return null
  // A returning user who has done all three, or whose account is still being read: nothing to show.
  if (identity !== null && !sawIncomplete && (progress.data === null || complete)) return null
  const hide = (): void => {
    try {
      localStorage.setItem(HIDDEN_KEY, '1')
    } catch {
      // Private mode: hidden for this page only.
    }
    setHidden(true)
  }
  const create = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await createAccountIdentity()
      onSelect('storage')
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  const steps = [
    { done: identity !== null, title: 'Create your identity', text: 'A signing key made in this browser; the hub only ever sees its public half.' },
    { done: (progress.data?.files ?? 0) > 0, title: 'Upload a file', text: 'Encrypted and erasure-coded here, then spread over the nodes.' },
    { done: (progress.data?.succeeded ?? 0) > 0, title: 'Run a job', text: 'A small program runs on a node over your file; follow it live.' },
  ]
  const next = steps.findIndex((s) => !s.done)

  return (
    <section className="card get-started" data-testid="get-started" data-complete={next === -1 ? 'true' : 'false'}>
      <header className="card-head">
        <h2>{next === -1 ? 'You are set' : 'Get started'}</h2>
        <button type="button" className="link" data-testid="get-started-hide" onClick={hide}>
          {next === -1 ? 'Close' : 'Hide'}
        </button>
      </header>
      <ol className="steps">
        {steps.map((step, i) => (
          <li key={step.title} className={`step${step.done ? ' step-done' : ''}${i === next ? ' step-next' : ''}`} data-testid="get-started-step" data-done={step.done ? 'true' : 'false'}>
            <span className="step-mark">{step.done ? '✓' : i + 1}</span>
            <div className="step-text">
              <strong>{step.title}</strong>
              <span className="note">{step.text}</span>
              {i === next && i === 0 && (
                <button type="button" className="primary" data-testid="get-started-create" disabled={busy} onClick={() => void create()}>
                  {busy ? 'Creating…' : 'Create identity'}
                </button>
              )}
              {i === next && i === 1 && tab !== 'storage' && (
                <button type="button" className="primary" data-testid="get-started-upload" onClick={() => onSelect('storage')}>
                  Go to Storage
                </button>
              )}
              {i === next && i === 2 && tab !== 'jobs' && (
                <button type="button" className="primary" data-testid="get-started-run" onClick={() => onSelect('jobs')}>
                  Go to Jobs
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
      {error !== null && (
        <p className="error" data-testid="get-started-error">
          {error}
        </p>
      )}
      {next === 0 && (
        <p className="note get-started-foot">
          Already use the CLI? Load your <code>~/.w3ai/identity.json</code> {tab === 'network' ? 'on the Storage tab' : 'in the Identity card below'} instead.
        </p>
      )}
    </section>
  )
}
